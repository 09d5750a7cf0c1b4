"""API of the handovers app (mounted at /api/handovers by helhed.api)."""

from ninja import Router

router = Router(tags=["handovers"])
