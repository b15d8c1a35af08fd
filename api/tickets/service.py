"""Ticket actions: guard → compare-and-set → one TicketEvent → side effects → change records.

`perform` is THE entry point for actions on a stored ticket (HTTP router and sync push both call
it); intake's automatic steps on a new ticket (file, dispatch) go through `advance_unsaved`, with
the same guard, effects and events. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import Principal
from api.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from api.sla.calendar import WorkingCalendar
from api.tickets import repository as repo
from api.tickets.scope import acting_role, can_see
from api.tickets.workflow import (
    TABLE,
    TERMINAL,
    DispatchPayload,
    ExtensionApprovePayload,
    ExtensionRequestPayload,
    MergePayload,
    Payload,
    ReasonPayload,
    RecheckFailPayload,
    Rule,
    guard,
    parse_payload,
)
from models import Category, Notification, Report, Ticket, TicketEvent, Unit, utcnow
from sync.changes import record_change

RECHECK_WITHIN_HOURS = 2.0  # DOMAIN §3: 核查 within 1–2 working hours of 反馈


async def perform(*, session: AsyncSession, ticket_id: Any, action: str, actor: Principal,
                  base_version: int | None, payload: dict[str, Any]) -> Ticket:
    """Apply `action` to the ticket as `actor`. Raises NotFound (cannot see it), Forbidden (role
    or territory), StaleVersion, InvalidTransition, ValidationFailed (arguments or evidence)."""
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None:
        raise NotFound("no such ticket", code="ticket_not_found")
    reports = await repo.reports_of(session, ticket.id)
    if not can_see(actor, ticket, reporter_ids={r.reporter_id for r in reports}):
        raise NotFound("no such ticket", code="ticket_not_found")
    if not isinstance(payload, dict):
        raise ValidationFailed("the action's arguments must be an object", code="invalid_arguments")
    if base_version is not None and (isinstance(base_version, bool) or not isinstance(base_version, int)):
        raise ValidationFailed("base_version must be an integer", code="invalid_arguments")
    rule = TABLE.get(action)
    if rule is None:
        guard(ticket, action)  # raises unknown_action
        raise AssertionError("unreachable")
    role = acting_role(actor, rule, ticket, action)
    if base_version is not None and base_version != ticket.version:
        raise StaleVersion(expected=base_version, actual=ticket.version)
    guard(ticket, action)
    args = parse_payload(rule, payload)
    return await execute(session=session, ticket=ticket, action=action, rule=rule, args=args,
                         actor_id=actor.id, actor_role=role, base_version=ticket.version, reports=reports)


async def advance_unsaved(*, session: AsyncSession, ticket: Ticket, steps: list[tuple[str, dict[str, Any]]],
                          actor_id: uuid.UUID | None, actor_role: str, after: datetime,
                          category: Category | None = None) -> list[TicketEvent | Notification]:
    """Intake's automatic steps on a ticket that is not yet in the database.

    The same guard, effects, event and notification per step as `execute`, applied to the object
    in memory, so the ticket is INSERTed once in its final state instead of being inserted,
    updated and re-read once per step (nobody else can see the row yet, so there is nothing to
    compare-and-set against). Returns the events and notifications to add once the ticket row
    exists; the caller records the change. Each step is stamped strictly after the previous one
    (and after `after`), so the event history keeps its order. `category`: the ticket's
    category row, when the caller holds it.
    """
    rows: list[TicketEvent | Notification] = []
    at = after
    for action, payload in steps:
        at = max(utcnow(), at + timedelta(microseconds=1))
        rule = guard(ticket, action)
        args = parse_payload(rule, payload)
        before_status = ticket.status
        effect = await _effects(session, ticket, action, args, at, category=category)
        to = _target_status(rule, effect)
        for name, value in effect.values.items():
            setattr(ticket, name, value)
        ticket.version += 1
        ticket.updated_at = at
        rows += _event_rows(ticket, action=action, args=args, effect=effect, from_status=before_status, to=to,
                            actor_id=actor_id, actor_role=actor_role, at=at)
    return rows


def _target_status(rule: Rule, effect: _Effect) -> str | None:
    if not rule.changes_status:
        return None
    to = effect.to_status or rule.to_state
    assert to is not None
    effect.values["status"] = to
    return to


def _event_rows(ticket: Ticket, *, action: str, args: Payload, effect: _Effect, from_status: str | None,
                to: str | None, actor_id: uuid.UUID | None, actor_role: str,
                at: datetime) -> list[TicketEvent | Notification]:
    """The one TicketEvent of a change, and the unit's notification when the action calls for one."""
    if args.note and "note" not in effect.data:
        effect.data["note"] = args.note
    rows: list[TicketEvent | Notification] = [TicketEvent(
        ticket_id=ticket.id, action=action, from_status=from_status, to_status=to, actor_id=actor_id,
        actor_role=actor_role, unit_id=ticket.unit_id, at=at, reason=effect.reason,
        photos=effect.photos, data=effect.data)]
    if effect.notify_unit is not None:
        unit_id, kind, message = effect.notify_unit
        rows.append(Notification(unit_id=unit_id, ticket_id=ticket.id, kind=kind, message=message[:500]))
    return rows


@dataclass
class _Effect:
    values: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    photos: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    to_status: str | None = None
    notify_unit: tuple[uuid.UUID, str, str] | None = None  # (unit, kind, message)
    merge_into: Ticket | None = None


async def execute(*, session: AsyncSession, ticket: Ticket, action: str, rule: Rule, args: Payload,
                  actor_id: uuid.UUID | None, actor_role: str, base_version: int,
                  reports: list[Report] | None = None) -> Ticket:
    now = utcnow()
    before_status = ticket.status
    if reports is None:
        reports = await repo.reports_of(session, ticket.id)
    before_audience = ticket_audience(ticket, reports)
    effect = await _effects(session, ticket, action, args, now)
    to = _target_status(rule, effect)
    effect.values["updated_at"] = now
    if not await repo.compare_and_set(session, ticket_id=ticket.id, base_version=base_version,
                                      values=effect.values):
        raise StaleVersion(expected=base_version, actual=await repo.current_version(session, ticket.id))
    await session.refresh(ticket)
    session.add_all(_event_rows(ticket, action=action, args=args, effect=effect, from_status=before_status, to=to,
                                actor_id=actor_id, actor_role=actor_role, at=now))
    if effect.merge_into is not None:
        await _absorb(session, source=ticket, target=effect.merge_into, now=now)
        reports = None  # they moved to the surviving ticket
    await session.flush()
    await record_ticket_change(session, ticket, extra_keys=before_audience, reports=reports)
    return ticket


async def _effects(session: AsyncSession, t: Ticket, action: str, args: Payload, now: datetime, *,
                   category: Category | None = None) -> _Effect:
    """What each action changes. Exhaustive: a new action must be handled here.

    `category`: the ticket's category row when the caller already loaded it."""
    e = _Effect(photos=list(args.photos))
    match action:
        case "verify":
            e.values.update(verified_at=now, filed_at=now)
        case "file":
            e.values.update(filed_at=now)
        case "reject":
            assert isinstance(args, ReasonPayload)
            e.reason = args.reason
            e.values.update(rejected_at=now)
        case "merge":
            assert isinstance(args, MergePayload)
            target = await repo.get_ticket(session, args.into_ticket_id)
            if target is None:
                raise ValidationFailed("the ticket to merge into does not exist", code="invalid_arguments",
                                       details={"into_ticket_id": args.into_ticket_id})
            if target.id == t.id or target.status in TERMINAL:
                raise Conflict("a ticket merges only into another open ticket", code="merge_target_not_open",
                               details={"into_ticket_id": str(target.id), "status": target.status})
            e.values.update(merged_into_id=target.id)
            e.data.update(merged_into_id=str(target.id), merged_into_number=target.number)
            e.merge_into = target
        case "dispatch" | "redispatch":
            assert isinstance(args, DispatchPayload)
            unit = await _target_unit(session, t, args)
            if category is None or category.code != t.category_code:
                category = await repo.get_category(session, t.category_code)
            hours = args.limit_hours or (category.limit_hours if category else 4.0)
            due = WorkingCalendar.for_unit(unit).add_working_hours(now, hours)
            e.values.update(unit_id=unit.id, dispatched_at=now, due_at=due, signed_at=None, overdue_at=None,
                            handled_on_time=None, recheck_due_at=None, pending_extension={})
            e.data.update(unit_id=str(unit.id), unit_code=unit.code, limit_hours=hours, due_at=due.isoformat(),
                          previous_unit_id=str(t.unit_id) if t.unit_id else None)
            e.notify_unit = (unit.id, "dispatch", f"新案件 {t.number} 已派遣，请在 {hours:g} 个工作小时内处置")
        case "sign":
            e.values.update(signed_at=now)
        case "return":
            assert isinstance(args, ReasonPayload)
            e.reason = args.reason
            e.values.update(returned_at=now, return_count=t.return_count + 1, pending_extension={})
        case "handle":
            unit = await _unit_of(session, t)
            recheck_due = WorkingCalendar.for_unit(unit).add_working_hours(now, RECHECK_WITHIN_HOURS)
            e.values.update(handled_at=now, signed_at=t.signed_at or now, recheck_due_at=recheck_due,
                            handled_on_time=t.due_at is None or now <= t.due_at, pending_extension={})
            if t.photos_complete and len(await repo.stored_hashes(session, args.photos)) < len(set(args.photos)):
                e.values["photos_complete"] = False
        case "recheck_pass":
            e.values.update(rechecked_at=now, closed_at=now, recheck_due_at=None,
                            closed_on_time=t.due_at is None or now <= t.due_at)
        case "recheck_fail":
            assert isinstance(args, RecheckFailPayload)
            e.reason = args.reason
            e.values.update(rechecked_at=now, recheck_due_at=None, rework_count=t.rework_count + 1)
            e.data.update(rework_count=t.rework_count + 1)
        case "close":
            e.values.update(closed_at=now, recheck_due_at=None, closed_on_time=t.due_at is None or now <= t.due_at)
        case "park":
            assert isinstance(args, ReasonPayload)
            e.reason = args.reason
            e.values.update(parked_at=now)
        case "unpark":
            e.to_status = await repo.status_before_park(session, t.id) or "dispatched"
            if t.due_at is not None and t.parked_at is not None:
                cal = WorkingCalendar.for_unit(await _unit_of(session, t))
                paused = cal.working_hours_between(t.parked_at, now)
                due = cal.add_working_hours(t.due_at, paused) if paused > 0 else t.due_at
                e.values.update(due_at=due, overdue_at=None if due > now else t.overdue_at)
                e.data.update(paused_hours=round(paused, 4), due_at_before=t.due_at.isoformat(),
                              due_at=due.isoformat())
        case "request_extension":
            assert isinstance(args, ExtensionRequestPayload)
            e.reason = args.reason
            e.values.update(pending_extension={"hours": args.hours, "reason": args.reason,
                                               "requested_at": now.isoformat()})
            e.data.update(hours=args.hours)
        case "approve_extension":
            assert isinstance(args, ExtensionApprovePayload)
            hours = args.hours or float(t.pending_extension.get("hours", 0))
            cal = WorkingCalendar.for_unit(await _unit_of(session, t))
            base = t.due_at or now
            due = cal.add_working_hours(base, hours)
            e.values.update(due_at=due, extension_count=t.extension_count + 1, pending_extension={},
                            overdue_at=None if due > now else t.overdue_at)
            e.data.update(hours=hours, requested_hours=t.pending_extension.get("hours"),
                          due_at_before=base.isoformat(), due_at=due.isoformat())
        case "refuse_extension":
            assert isinstance(args, ReasonPayload)
            e.reason = args.reason
            e.values.update(pending_extension={})
            e.data.update(requested_hours=t.pending_extension.get("hours"))
        case "urge":
            e.values.update(urge_count=t.urge_count + 1)
            e.data.update(urge_count=t.urge_count + 1)
            if t.unit_id is not None:
                e.notify_unit = (t.unit_id, "urge", f"督办：案件 {t.number} 请加快处置。{args.note}".strip())
        case "note":
            e.data.update(note=args.note)
        case _:
            assert_never(action)  # type: ignore[arg-type]
    return e


async def _target_unit(session: AsyncSession, t: Ticket, args: DispatchPayload) -> Unit:
    if args.unit_code:
        unit = await repo.get_unit(session, code=args.unit_code)
    elif args.unit_id:
        unit = await repo.get_unit(session, unit_id=args.unit_id)
    elif t.suggested_unit_id:
        unit = await repo.get_unit(session, unit_id=t.suggested_unit_id)
    else:
        raise ValidationFailed("name the unit to dispatch to: routing suggested none", code="invalid_arguments",
                               details={"errors": [{"loc": ["unit_id"], "msg": "required", "type": "missing"}]})
    if unit is None or not unit.active:
        raise ValidationFailed("no such active unit", code="invalid_arguments",
                               details={"unit_id": args.unit_id, "unit_code": args.unit_code})
    return unit


async def _unit_of(session: AsyncSession, t: Ticket) -> Unit | None:
    return await session.get(Unit, t.unit_id) if t.unit_id else None


async def _absorb(session: AsyncSession, *, source: Ticket, target: Ticket, now: datetime) -> None:
    """A merged ticket's reports follow the surviving ticket, so their reporters see its progress."""
    moved = await repo.move_reports(session, from_ticket=source.id, to_ticket=target.id)
    await repo.bump_report_count(session, ticket_id=target.id, by=moved or source.report_count, now=now,
                                 photos_complete=source.photos_complete)
    await session.flush()
    await session.refresh(target)
    await record_ticket_change(session, target)


class _Placed(Protocol):
    """What decides a ticket's audience: a Ticket, or a row selected with these columns."""

    unit_id: uuid.UUID | None
    grid_id: uuid.UUID | None
    reporter_id: uuid.UUID | None


def ticket_audience(ticket: _Placed, reports: list[Report], *,
                    extra_units: set[uuid.UUID | None] = frozenset()) -> set[str]:
    """Who may hold this ticket on a phone or a desk (sync.changes keys), given its reports."""
    keys = {"desk"}
    for unit_id in {ticket.unit_id, *extra_units}:
        if unit_id is not None:
            keys.add(f"unit:{unit_id}")
    if ticket.grid_id is not None:
        keys.add(f"grid:{ticket.grid_id}")
    keys.update(f"user:{report.reporter_id}" for report in reports)
    if ticket.reporter_id is not None:
        keys.add(f"user:{ticket.reporter_id}")
    return keys


async def record_ticket_change(session: AsyncSession, ticket: Ticket, *,
                               extra_units: set[uuid.UUID | None] = frozenset(),
                               extra_keys: set[str] = frozenset(),
                               reports: list[Report] | None = None) -> None:
    """The ticket and its reports (whose data carries the ticket's status) go to the change log.

    `reports`: the ticket's reports when the caller already holds them (saves a query)."""
    if reports is None:
        reports = await repo.reports_of(session, ticket.id)
    audience = ticket_audience(ticket, reports, extra_units=extra_units) | set(extra_keys)
    await record_change(session, entity="ticket", entity_id=str(ticket.id), audience=audience)
    for report in reports:
        await record_change(session, entity="report", entity_id=str(report.id),
                            audience={f"user:{report.reporter_id}"})
