"""Reports (what a phone sent), tickets (案件, the work item), their timeline and routing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, text

from models.base import Field, SQLModel, json_field, new_id, ts_field

TICKET_STATUSES = (
    "reported", "pending_verification", "filed", "dispatched", "in_progress", "handled",
    "closed", "rejected", "merged", "returned", "parked",
)
REPORT_SOURCES = ("grid_worker", "volunteer", "hotline", "inspection", "desk")
_CLOCK_RUNNING = text("status IN ('dispatched', 'in_progress')")


class Report(SQLModel, table=True):
    """Create-only: exactly what the reporter sent."""

    __tablename__ = "report"
    # Statistics ask "was any report of this ticket fixed on the spot" per ticket; few are, so a
    # partial index answers the question without reading the report rows (migration 0009).
    __table_args__ = (Index("ix_report_fixed_on_spot", "ticket_id", postgresql_where=text("fixed_on_spot"),
                            sqlite_where=text("fixed_on_spot")),)

    id: uuid.UUID = Field(primary_key=True)  # client-generated UUIDv7
    reporter_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    client_id: str | None = Field(default=None, max_length=64)
    source: str = Field(default="grid_worker", max_length=16)
    category_code: str = Field(foreign_key="category.code", max_length=5, index=True)
    lat: float
    lon: float
    accuracy_m: float | None = None
    captured_at: datetime = ts_field(nullable=False)
    received_at: datetime = ts_field(nullable=False, default_now=True)
    description: str = Field(default="", max_length=500)
    photos: list[str] = json_field(default_factory=list)
    fixed_on_spot: bool = False
    after_photos: list[str] = json_field(default_factory=list)
    # True once every photo hash (before and after) is in the media store.
    photos_complete: bool = False
    grid_id: uuid.UUID | None = Field(default=None, foreign_key="area.id", index=True)
    ticket_id: uuid.UUID | None = Field(default=None, foreign_key="ticket.id", index=True)
    # GPS/time read from photo EXIF before stripping, per photo hash.
    photo_meta: dict[str, Any] = json_field()


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_unit_status_due", "unit_id", "status", "due_at"),
        Index("ix_ticket_status_due", "status", "due_at"),
        Index("ix_ticket_grid_status", "grid_id", "status"),
        # Duplicate search (bounding box per category) and the desk's keyset-sorted lists.
        Index("ix_ticket_category_lat_lon", "category_code", "lat", "lon"),
        Index("ix_ticket_updated_at_id", "updated_at", "id"),
        Index("ix_ticket_reported_at_id", "reported_at", "id"),
        # The overdue queue and unit inboxes: only tickets whose clock runs, already in due order.
        Index("ix_ticket_running_due", "due_at", "id", "updated_at", postgresql_where=_CLOCK_RUNNING,
              sqlite_where=_CLOCK_RUNNING),
        Index("ix_ticket_running_unit_due", "unit_id", "due_at", "id", postgresql_where=_CLOCK_RUNNING,
              sqlite_where=_CLOCK_RUNNING),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    number: str = Field(max_length=24, unique=True, index=True)  # human-readable 案件编号
    status: str = Field(max_length=24, index=True)
    version: int = 1
    category_code: str = Field(foreign_key="category.code", max_length=5, index=True)
    source: str = Field(default="grid_worker", max_length=16)
    reporter_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    lat: float
    lon: float
    description: str = Field(default="", max_length=500)
    grid_id: uuid.UUID | None = Field(default=None, foreign_key="area.id")
    street_id: uuid.UUID | None = Field(default=None, foreign_key="area.id", index=True)
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id")
    suggested_unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id")
    routing_rule: str | None = Field(default=None, max_length=24)
    routing_explanation: str = Field(default="", max_length=1000)
    report_count: int = 1
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="ticket.id")
    urgent: bool = False
    photos_complete: bool = True

    # Milestones (one column each, so statistics are plain queries).
    reported_at: datetime = ts_field(nullable=False, default_now=True)
    verified_at: datetime | None = ts_field()
    filed_at: datetime | None = ts_field()
    dispatched_at: datetime | None = ts_field()
    signed_at: datetime | None = ts_field()
    handled_at: datetime | None = ts_field()
    rechecked_at: datetime | None = ts_field()
    closed_at: datetime | None = ts_field()
    rejected_at: datetime | None = ts_field()
    returned_at: datetime | None = ts_field()
    parked_at: datetime | None = ts_field()
    due_at: datetime | None = ts_field()
    recheck_due_at: datetime | None = ts_field()
    # Overdue: marked by the sweeper when due_at passes before handling.
    overdue_at: datetime | None = ts_field()
    handled_on_time: bool | None = None
    closed_on_time: bool | None = None
    rework_count: int = 0
    extension_count: int = 0
    return_count: int = 0
    urge_count: int = 0
    # A pending extension request (hours, reason) awaiting the dispatcher.
    pending_extension: dict[str, Any] = json_field()
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class TicketEvent(SQLModel, table=True):
    """Append-only timeline: every transition, assignment, note, photo and deadline change."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket_at", "ticket_id", "at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    ticket_id: uuid.UUID = Field(foreign_key="ticket.id")
    action: str = Field(max_length=32, index=True)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    actor_role: str | None = Field(default=None, max_length=16)
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", index=True)
    at: datetime = ts_field(nullable=False, default_now=True, index=True)
    reason: str = Field(default="", max_length=500)
    photos: list[str] = json_field(default_factory=list)
    data: dict[str, Any] = json_field()


class RoutingDecision(SQLModel, table=True):
    __tablename__ = "routing_decision"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    ticket_id: uuid.UUID | None = Field(default=None, foreign_key="ticket.id", index=True)
    category_code: str = Field(max_length=5)
    lat: float
    lon: float
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id")
    area_id: uuid.UUID | None = Field(default=None, foreign_key="area.id")
    rule: str = Field(max_length=24)  # explicit_rule | road_segment | jurisdiction | territorial | outside
    rule_ref: str | None = Field(default=None, max_length=64)
    explanation: str = Field(default="", max_length=1000)
    decided_at: datetime = ts_field(nullable=False, default_now=True)


class Notification(SQLModel, table=True):
    """In-app notice for a user, a unit, or every user of a role.

    Who has read it is per reader (NotificationRead): a 督办 to a unit stays new for each of its
    handlers until they read it themselves. `read_at` is from before that (migration 0011): set,
    it means read for everyone the row reaches; nothing writes it any more."""

    __tablename__ = "notification"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", index=True)
    role: str | None = Field(default=None, max_length=16, index=True)
    ticket_id: uuid.UUID | None = Field(default=None, foreign_key="ticket.id")
    kind: str = Field(max_length=24)
    message: str = Field(max_length=500)
    created_at: datetime = ts_field(nullable=False, default_now=True, index=True)
    read_at: datetime | None = ts_field()


class NotificationRead(SQLModel, table=True):
    """One reader has read one notification (the first time)."""

    __tablename__ = "notification_read"

    notification_id: uuid.UUID = Field(foreign_key="notification.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True)
    read_at: datetime = ts_field(nullable=False, default_now=True)
