from datetime import datetime

from ninja import Schema
from pydantic import ConfigDict


class InputSchema(Schema):
    """Base of every request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class NotificationOut(Schema):
    id: int
    topic: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
