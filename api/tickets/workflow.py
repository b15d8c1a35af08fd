"""The close-out loop (DESIGN §5) as one table: action → from-states, to-state, roles, evidence.

Everything that decides whether an action may happen lives here; `service.perform` applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from api.errors import InvalidTransition, ValidationFailed
from models import Ticket

Status = Literal[
    "reported", "pending_verification", "filed", "dispatched", "in_progress", "handled",
    "closed", "rejected", "merged", "returned", "parked",
]
Action = Literal[
    "verify", "file", "reject", "merge", "dispatch", "redispatch", "sign", "return", "handle",
    "recheck_pass", "recheck_fail", "close", "park", "unpark",
    "request_extension", "approve_extension", "refuse_extension", "urge", "note",
]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

# Terminal: no further work. Open = everything a duplicate report may still join.
TERMINAL = frozenset({"closed", "rejected", "merged"})
OPEN = frozenset(STATUSES) - TERMINAL
# The handling clock runs in these; "overdue" means due_at < now in one of them (same in SQL).
CLOCK_RUNNING = frozenset({"dispatched", "in_progress"})

DESK = frozenset({"dispatcher", "admin"})
WORKERS = frozenset({"grid_worker", "dispatcher", "unit_handler", "supervisor", "admin"})

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class Payload(BaseModel):
    """Evidence and arguments an action carries (base_version travels beside it)."""

    model_config = ConfigDict(extra="forbid", strict=False)
    note: Note = ""
    photos: list[Sha256] = Field(default_factory=list, max_length=12)


class ReasonPayload(Payload):
    reason: Reason


class DispatchPayload(Payload):
    unit_id: str | None = None  # uuid; default: the routing suggestion
    unit_code: str | None = None
    limit_hours: float | None = Field(default=None, gt=0, le=24 * 365)


class MergePayload(Payload):
    into_ticket_id: str


class HandlePayload(Payload):
    photos: list[Sha256] = Field(min_length=1, max_length=12)


class RecheckPassPayload(Payload):
    photos: list[Sha256] = Field(min_length=1, max_length=12)


class RecheckFailPayload(Payload):
    photos: list[Sha256] = Field(min_length=1, max_length=12)
    reason: Reason


class ExtensionRequestPayload(Payload):
    hours: float = Field(gt=0, le=24 * 365)
    reason: Reason


class ExtensionApprovePayload(Payload):
    hours: float | None = Field(default=None, gt=0, le=24 * 365)  # default: what was asked


class NotePayload(Payload):
    note: Reason


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[str]
    to_state: str | None  # None: the status does not change (unpark: see RESTORES)
    roles: frozenset[str]
    payload: type[Payload]
    # A condition on the ticket beyond its status (e.g. an extension must be pending).
    when: Callable[[Ticket], bool] | None = None
    changes_status: bool = True


def _has_pending_extension(t: Ticket) -> bool:
    return bool(t.pending_extension)


def _has_unit(t: Ticket) -> bool:
    return t.unit_id is not None


_S = frozenset
PRE_DISPATCH = _S({"reported", "pending_verification", "filed", "returned"})

TABLE: dict[str, Rule] = {
    "verify": Rule(_S({"pending_verification"}), "filed", _S({"grid_worker"}) | DESK, Payload),
    "file": Rule(_S({"reported"}), "filed", DESK, Payload),
    "reject": Rule(PRE_DISPATCH, "rejected", DESK, ReasonPayload),
    "merge": Rule(PRE_DISPATCH, "merged", DESK, MergePayload),
    "dispatch": Rule(_S({"filed"}), "dispatched", DESK, DispatchPayload),
    "redispatch": Rule(_S({"returned", "dispatched", "in_progress"}), "dispatched", DESK, DispatchPayload),
    "sign": Rule(_S({"dispatched"}), "in_progress", _S({"unit_handler", "admin"}), Payload),
    "return": Rule(_S({"dispatched", "in_progress"}), "returned", _S({"unit_handler", "admin"}), ReasonPayload),
    # A handler may feed back without signing first (offline phones send both at once).
    "handle": Rule(_S({"dispatched", "in_progress"}), "handled", _S({"unit_handler", "admin"}), HandlePayload),
    "recheck_pass": Rule(_S({"handled"}), "closed", _S({"grid_worker", "dispatcher", "supervisor", "admin"}),
                         RecheckPassPayload),
    # Rework goes back to the unit; a self-fixed ticket has no unit to send it to.
    "recheck_fail": Rule(_S({"handled"}), "in_progress", _S({"grid_worker", "dispatcher", "supervisor", "admin"}),
                         RecheckFailPayload, when=_has_unit),
    "close": Rule(_S({"handled"}), "closed", DESK, Payload),
    "park": Rule(_S({"dispatched", "in_progress"}), "parked", _S({"dispatcher", "supervisor", "admin"}),
                 ReasonPayload),
    "unpark": Rule(_S({"parked"}), None, _S({"dispatcher", "supervisor", "admin"}), Payload),
    "request_extension": Rule(CLOCK_RUNNING, None, _S({"unit_handler", "admin"}), ExtensionRequestPayload,
                              when=lambda t: not t.pending_extension, changes_status=False),
    "approve_extension": Rule(CLOCK_RUNNING | {"parked"}, None, DESK, ExtensionApprovePayload,
                              when=_has_pending_extension, changes_status=False),
    "refuse_extension": Rule(CLOCK_RUNNING | {"parked"}, None, DESK, ReasonPayload,
                             when=_has_pending_extension, changes_status=False),
    "urge": Rule(CLOCK_RUNNING | {"returned", "filed"}, None, _S({"supervisor", "admin"}), Payload,
                 changes_status=False),
    "note": Rule(frozenset(STATUSES), None, WORKERS, NotePayload, changes_status=False),
}
# unpark returns the ticket to the status it was parked from.
RESTORES = frozenset({"unpark"})
assert set(TABLE) == set(ACTIONS)


def allowed_actions(ticket: Ticket) -> list[str]:
    """Actions the ticket's state permits (regardless of who asks)."""
    return sorted(a for a, r in TABLE.items()
                  if ticket.status in r.from_states and (r.when is None or r.when(ticket)))


def guard(ticket: Ticket, action: str) -> Rule:
    """The one guard: the rule for `action`, or InvalidTransition listing what IS allowed."""
    rule = TABLE.get(action)
    if rule is None:
        raise ValidationFailed(f"unknown action {action!r}", code="unknown_action",
                               details={"action": action, "known": sorted(TABLE)})
    if ticket.status not in rule.from_states or (rule.when is not None and not rule.when(ticket)):
        raise InvalidTransition(action=action, status=ticket.status, allowed=allowed_actions(ticket))
    return rule


def parse_payload(rule: Rule, payload: dict[str, Any]) -> Payload:
    try:
        return rule.payload.model_validate(payload)
    except ValidationError as exc:
        errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        raise ValidationFailed("the action's arguments are invalid", code="invalid_arguments",
                               details={"errors": errors}) from exc


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Python twin of repository.overdue_clause()."""
    return ticket.status in CLOCK_RUNNING and ticket.due_at is not None and ticket.due_at < now
