"""Ticket shapes on the wire: TicketPublic, TicketDetail, TicketsPage, NearbyTickets, MapPoints,
TicketActionRequest."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.reports.schemas import ReportPublic


class TicketPublic(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    version: int
    category_code: str
    source: str
    reporter_id: uuid.UUID | None
    lat: float
    lon: float
    description: str
    grid_id: uuid.UUID | None
    street_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    unit_code: str | None = None
    unit_name: str | None = None
    suggested_unit_id: uuid.UUID | None
    routing_rule: str | None
    routing_explanation: str
    report_count: int
    merged_into_id: uuid.UUID | None
    urgent: bool
    photos_complete: bool
    reported_at: datetime
    verified_at: datetime | None
    filed_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    handled_at: datetime | None
    rechecked_at: datetime | None
    closed_at: datetime | None
    rejected_at: datetime | None
    returned_at: datetime | None
    parked_at: datetime | None
    due_at: datetime | None
    recheck_due_at: datetime | None
    overdue_at: datetime | None
    overdue: bool = False  # due_at passed while the clock runs (computed now)
    handled_on_time: bool | None
    closed_on_time: bool | None
    rework_count: int
    extension_count: int
    return_count: int
    urge_count: int
    pending_extension: dict[str, Any]
    updated_at: datetime


class TicketEventPublic(BaseModel):
    id: uuid.UUID
    action: str
    from_status: str | None
    to_status: str | None
    actor_id: uuid.UUID | None
    actor_role: str | None
    actor_name: str | None = None
    unit_id: uuid.UUID | None
    at: datetime
    reason: str
    photos: list[str]
    data: dict[str, Any]


class RoutingPublic(BaseModel):
    unit_id: uuid.UUID | None
    unit_code: str | None = None
    unit_name: str | None = None
    rule: str
    rule_ref: str | None
    explanation: str
    decided_at: datetime


class TicketDetail(BaseModel):
    ticket: TicketPublic
    reports: list[ReportPublic]
    events: list[TicketEventPublic]
    routing: RoutingPublic | None
    # What the caller may do next (state allows it AND role/territory permit it).
    allowed_actions: list[str]


class TicketsPage(BaseModel):
    items: list[TicketPublic]
    next_cursor: str | None
    limit: int


class NearbyTicket(TicketPublic):
    distance_m: float = Field(description="from the ticket asked about, in metres")


class NearbyTickets(BaseModel):
    """Open tickets of the same category around a ticket, nearest first: merge candidates."""

    items: list[NearbyTicket]
    radius_m: float


class TicketActionRequest(BaseModel):
    """`base_version` (the version the caller saw; null = whatever is current) plus the action's
    arguments: reason, note, photos [sha256], unit_id/unit_code, limit_hours, hours, into_ticket_id."""

    model_config = ConfigDict(extra="allow")
    base_version: int | None = Field(default=None, ge=1)


class MapPoint(BaseModel):
    """One open ticket on the supervisors' map: just what a marker and its tooltip need."""

    id: uuid.UUID
    number: str
    status: str
    category_code: str
    lat: float
    lon: float
    overdue: bool
    unit_name: str | None


class MapPoints(BaseModel):
    items: list[MapPoint]
    total: int = Field(description="open tickets in the caller's scope")
    truncated: bool = Field(description="more than `items` are open: the most recently reported are shown")
