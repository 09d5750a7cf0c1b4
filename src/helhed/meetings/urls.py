from django.urls import path

from helhed.meetings import views

app_name = "meetings"

urlpatterns = [
    path("moeder/forloeb/<uuid:course_id>/", views.course_section, name="course_section"),
    path("moeder/forloeb/<uuid:course_id>/nyt/", views.meeting_create, name="meeting_create"),
    path(
        "moeder/forloeb/<uuid:course_id>/afholdt/", views.meeting_register, name="meeting_register"
    ),
    path(
        "moeder/forloeb/<uuid:course_id>/indstilling/",
        views.recommendation_create,
        name="recommendation_create",
    ),
    path("moeder/<uuid:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("moeder/<uuid:meeting_id>/svar/", views.availability, name="availability"),
    path("moeder/<uuid:meeting_id>/tidspunkt/", views.choose_time, name="choose_time"),
    path("moeder/<uuid:meeting_id>/aflys/", views.meeting_cancel, name="meeting_cancel"),
    path("moeder/<uuid:meeting_id>/referat/", views.minutes, name="minutes"),
    path("moeder/<uuid:meeting_id>/beslutning/", views.decision_add, name="decision_add"),
    path("moeder/opgaver/", views.my_tasks, name="my_tasks"),
    path("moeder/opgaver/<uuid:task_id>/udfoert/", views.task_done, name="task_done"),
    path("moeder/indstillinger/", views.recommendations, name="recommendations"),
    path(
        "moeder/indstillinger/<uuid:recommendation_id>/afgoerelse/",
        views.ruling_create,
        name="ruling_create",
    ),
    path("mig/moeder/", views.my_meetings, name="my_meetings"),
    path("mig/moeder/<uuid:meeting_id>/svar/", views.my_answers, name="my_answers"),
]
