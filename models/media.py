"""Photos, content-addressed by sha256."""

from __future__ import annotations

import uuid
from datetime import datetime

from models.base import Field, SQLModel, ts_field


class Media(SQLModel, table=True):
    __tablename__ = "media"

    sha256: str = Field(primary_key=True, max_length=64)  # of the bytes the phone sent
    content_type: str = Field(max_length=32)
    size: int
    width: int
    height: int
    stored_size: int = 0  # after orientation + EXIF stripping
    thumb_size: int = 0
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    exif_lat: float | None = None
    exif_lon: float | None = None
    exif_taken_at: datetime | None = ts_field()
