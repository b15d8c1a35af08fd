"""Wire shapes of the sync protocol (DESIGN §6): push, pull and each mutation's arguments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.reports.schemas import ReportCreate

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ClientId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
MAX_BATCH = 200


class Mutation(BaseModel):
    id: int = Field(ge=1, description="1, 2, 3 … per client, never reused")
    name: str = Field(max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)


class PushRequest(BaseModel):
    client_id: str = ClientId
    mutations: list[Mutation] = Field(default_factory=list, max_length=MAX_BATCH)


class MutationError(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class MutationResult(BaseModel):
    id: int
    status: Literal["applied", "duplicate", "rejected"]
    error: MutationError | None = None


class Stopped(BaseModel):
    """Why the rest of the batch was not processed (a gap: the phone must resend from expected_id)."""

    reason: Literal["gap"]
    expected_id: int
    received_id: int
    unprocessed_ids: list[int]


class PushResponse(BaseModel):
    last_mutation_id: int
    results: list[MutationResult]
    stopped: Stopped | None = None


class PullRequest(BaseModel):
    client_id: str = ClientId
    cursor: str | None = Field(default=None, max_length=32, description="opaque; null or omitted = from the start")
    limit: int = Field(default=500, ge=1, le=1000)


class Change(BaseModel):
    op: Literal["put", "del"]
    type: Literal["report", "ticket", "category", "area"]
    id: str
    data: dict[str, Any] | None = None


class PullResponse(BaseModel):
    cursor: str
    last_mutation_id: int
    changes: list[Change]
    has_more: bool
    reset: bool = False


# --- mutation arguments (unknown extra keys are ignored, wrong types are invalid_arguments) ---

class _Args(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ReportCreateArgs(ReportCreate):
    """`report.create` args: the same fields and limits as the HTTP intake (one definition), but an
    argument a newer phone adds is ignored rather than rejecting the report for good."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class TicketArgs(_Args):
    ticket_id: uuid.UUID
    base_version: int | None = Field(default=None, ge=1)
    note: str = Field(default="", max_length=500)


class TicketSignArgs(TicketArgs):
    pass


class TicketHandleArgs(TicketArgs):
    photos: list[Sha256] = Field(min_length=1, max_length=9)


class TicketReturnArgs(TicketArgs):
    reason: str = Field(min_length=1, max_length=500)


class TicketExtensionArgs(TicketArgs):
    hours: float = Field(gt=0, le=24 * 90)
    reason: str = Field(min_length=1, max_length=500)


class TicketRecheckArgs(TicketArgs):
    passed: bool
    photos: list[Sha256] = Field(default_factory=list, max_length=9)
    reason: str = Field(default="", max_length=500)

