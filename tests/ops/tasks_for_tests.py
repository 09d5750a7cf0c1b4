"""A task the ops tests enqueue (never run: they count the queue)."""

from django_tasks import task


@task()
def noop() -> None:
    return None


@task(queue_name="email")
def noop_email() -> None:
    return None
