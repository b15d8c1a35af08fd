"""Photos, content-addressed by sha256."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer

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


class PhotoRef(SQLModel, table=True):
    """One photo used by one report or one ticket event.

    Reports and events keep their photo hashes as JSON lists (what the phone sent, in order);
    this is the same fact indexed by hash, so "who waits for this upload" and "whose ticket is
    this photo on" are index lookups rather than a text search through every report and event.
    Rows are written by `models.photo_refs` whenever a report or event is inserted.
    """

    __tablename__ = "photo_ref"
    __table_args__ = (
        CheckConstraint("(report_id IS NULL) <> (event_id IS NULL)", name="one_owner"),
    )

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    sha256: str = Field(max_length=64, index=True)
    # Indexed both ways: completion asks "which photos does this ticket's report/event still wait for".
    report_id: uuid.UUID | None = Field(default=None, foreign_key="report.id", index=True)
    event_id: uuid.UUID | None = Field(default=None, foreign_key="ticket_event.id", index=True)
