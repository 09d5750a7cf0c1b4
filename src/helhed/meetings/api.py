"""API of the meetings app (mounted at /api/meetings by helhed.api)."""

from ninja import Router

router = Router(tags=["meetings"])
