"""API of the progress app (mounted at /api/progress by helhed.api)."""

from ninja import Router

router = Router(tags=["progress"])
