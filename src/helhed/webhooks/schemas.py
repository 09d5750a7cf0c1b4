"""The events API's schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class FeedOut(Schema):
    events: list[dict[str, Any]] = Field(description="CloudEvents 1.0 (structured JSON)")
    next: int = Field(description="the cursor: pass it as `after` for the next page")


class SubscriptionIn(Schema):
    url: str = Field(max_length=500)
    event_types: list[str]


class SubscriptionOut(Schema):
    id: uuid.UUID
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="the signing secret (whsec_…); shown only now")
