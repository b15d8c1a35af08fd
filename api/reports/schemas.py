"""Report intake shapes: exactly the report.create arguments of DESIGN §6."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class ReportCreate(BaseModel):
    """What a phone (or the desk) sends; ids are minted by the client (UUIDv7)."""

    model_config = ConfigDict(extra="forbid")

    report_id: uuid.UUID
    category_code: Annotated[str, StringConstraints(pattern=r"^\d{5}$")]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    captured_at: AwareDatetime
    description: str = Field(default="", max_length=500)
    photos: list[Sha256] = Field(default_factory=list, max_length=12)
    fixed_on_spot: bool = False
    after_photos: list[Sha256] = Field(default_factory=list, max_length=12)


class ReportPublic(BaseModel):
    id: uuid.UUID
    reporter_id: uuid.UUID
    source: str
    category_code: str
    lat: float
    lon: float
    accuracy_m: float | None
    captured_at: datetime
    received_at: datetime
    description: str
    photos: list[str]
    fixed_on_spot: bool
    after_photos: list[str]
    photos_complete: bool
    ticket_id: uuid.UUID | None
    ticket_number: str | None = None
    # The ticket's status, so a reporter sees progress (DESIGN §6).
    status: str | None = None


class ReportsPage(BaseModel):
    items: list[ReportPublic]
    next_cursor: str | None
