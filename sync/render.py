"""Render changed entities from their current state, as the caller may see them (None = `del`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.tickets.scope import actions_for, can_see
from api.tickets.workflow import allowed_actions, is_overdue
from models import Area, Category, Report, Ticket, TicketEvent, Unit, utcnow

AFTER_PHOTO_ACTIONS = ("handle", "recheck_pass", "recheck_fail")
Key = tuple[str, str]


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


async def render(session: AsyncSession, principal, keys: list[Key]) -> list[dict[str, Any] | None]:
    by_type: dict[str, list[str]] = defaultdict(list)
    for entity, entity_id in keys:
        by_type[entity].append(entity_id)
    rendered: dict[Key, dict[str, Any] | None] = {}
    if by_type["report"]:
        rendered |= await _reports(session, principal, by_type["report"])
    if by_type["ticket"]:
        rendered |= await _tickets(session, principal, by_type["ticket"])
    if by_type["category"]:
        rendered |= await _by_code_or_id(session, Category, "category", by_type["category"], category_data)
    if by_type["area"]:
        rendered |= await _areas(session, by_type["area"])
    return [rendered.get(k) for k in keys]


async def _tickets(session: AsyncSession, principal, ids: list[str]) -> dict[Key, dict | None]:
    uuids = [u for u in map(_uuid, ids) if u is not None]
    tickets = {t.id: t for t in (await session.execute(select(Ticket).where(Ticket.id.in_(uuids)))).scalars()}
    reports: dict[uuid.UUID, list[Report]] = defaultdict(list)
    for r in (await session.execute(select(Report).where(Report.ticket_id.in_(uuids))
                                    .order_by(Report.received_at))).scalars():
        reports[r.ticket_id].append(r)
    out: dict[Key, dict | None] = {}
    visible = {tid: t for tid, t in tickets.items()
               if can_see(principal, t, reporter_ids={r.reporter_id for r in reports[tid]})}
    after: dict[uuid.UUID, list[str]] = defaultdict(list)
    if visible:
        events = await session.execute(
            select(TicketEvent.ticket_id, TicketEvent.photos)
            .where(TicketEvent.ticket_id.in_(list(visible)), TicketEvent.action.in_(AFTER_PHOTO_ACTIONS))
            .order_by(TicketEvent.at))
        for tid, photos in events:
            after[tid].extend(p for p in photos or [] if p not in after[tid])
    units = await _lookup(session, Unit, {t.unit_id for t in visible.values()})
    grids = await _lookup(session, Area, {t.grid_id for t in visible.values()})
    now = utcnow()
    for raw in ids:
        tid = _uuid(raw)
        t = visible.get(tid)
        if t is None:
            out[("ticket", raw)] = None
            continue
        rs = reports[t.id]
        photos: list[str] = []
        for r in rs:
            photos.extend(p for p in r.photos if p not in photos)
        after_photos = [p for r in rs for p in r.after_photos]
        after_photos += [p for p in after[t.id] if p not in after_photos]
        unit, grid = units.get(t.unit_id), grids.get(t.grid_id)
        out[("ticket", raw)] = {
            "id": str(t.id), "number": t.number, "status": t.status, "version": t.version,
            "category_code": t.category_code, "unit_id": str(t.unit_id) if t.unit_id else None,
            "unit_code": unit.code if unit else None, "unit_name": unit.name if unit else None,
            "due_at": _iso(t.due_at), "report_ids": [str(r.id) for r in rs], "lat": t.lat, "lon": t.lon,
            "description": t.description, "photos": photos, "after_photos": after_photos,
            "photos_complete": t.photos_complete, "overdue": is_overdue(t, now) or t.overdue_at is not None
            and t.status in ("dispatched", "in_progress"),
            "grid_id": str(t.grid_id) if t.grid_id else None, "grid_code": grid.code if grid else None,
            "urgent": t.urgent, "rework_count": t.rework_count, "pending_extension": t.pending_extension or None,
            "reported_at": _iso(t.reported_at), "dispatched_at": _iso(t.dispatched_at),
            "handled_at": _iso(t.handled_at), "closed_at": _iso(t.closed_at), "updated_at": _iso(t.updated_at),
            "allowed_actions": actions_for(principal, t, allowed_actions(t)),
        }
    return out


async def _reports(session: AsyncSession, principal, ids: list[str]) -> dict[Key, dict | None]:
    uuids = [u for u in map(_uuid, ids) if u is not None]
    reports = {r.id: r for r in (await session.execute(select(Report).where(Report.id.in_(uuids)))).scalars()}
    tickets = await _lookup(session, Ticket, {r.ticket_id for r in reports.values()})
    out: dict[Key, dict | None] = {}
    for raw in ids:
        r = reports.get(_uuid(raw))
        # A phone holds its user's own reports (tickets it may see arrive as `ticket`).
        if r is None or r.reporter_id != principal.id:
            out[("report", raw)] = None
            continue
        t = tickets.get(r.ticket_id)
        out[("report", raw)] = {
            "id": str(r.id), "ticket_id": str(r.ticket_id) if r.ticket_id else None,
            "ticket_number": t.number if t else None, "category_code": r.category_code,
            "status": t.status if t else "reported", "lat": r.lat, "lon": r.lon, "accuracy_m": r.accuracy_m,
            "captured_at": _iso(r.captured_at), "received_at": _iso(r.received_at),
            "description": r.description, "photos": list(r.photos), "after_photos": list(r.after_photos),
            "fixed_on_spot": r.fixed_on_spot, "photos_complete": r.photos_complete,
        }
    return out


def category_data(c: Category) -> dict[str, Any]:
    data = c.model_dump(mode="json")
    data["uuid"], data["id"] = data["id"], c.code
    return data


def area_data(a: Area, parent_code: str | None) -> dict[str, Any]:
    return {"id": a.code, "uuid": str(a.id), "code": a.code, "name": a.name, "level": a.level,
            "parent_code": parent_code, "geometry": a.geometry, "updated_at": _iso(a.updated_at)}


async def _areas(session: AsyncSession, ids: list[str]) -> dict[Key, dict | None]:
    found = await _by_code_or_id(session, Area, "area", ids, lambda a: a)
    parents = await _lookup(session, Area, {a.parent_id for a in found.values() if a is not None})
    return {k: (area_data(a, parents[a.parent_id].code if a.parent_id in parents else None) if a else None)
            for k, a in found.items()}


async def _by_code_or_id(session: AsyncSession, model, entity: str, ids: list[str], fn) -> dict[Key, Any]:
    uuids = [u for u in map(_uuid, ids) if u is not None]
    rows = (await session.execute(select(model).where(or_(model.code.in_(ids), model.id.in_(uuids))))).scalars()
    index: dict[str, Any] = {}
    for row in rows:
        index[row.code] = index[str(row.id)] = row
    return {(entity, raw): (fn(index[raw]) if raw in index else None) for raw in ids}


async def _lookup(session: AsyncSession, model, ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in (await session.execute(select(model).where(model.id.in_(ids)))).scalars()}


async def reference_snapshot(session: AsyncSession,
                             area_ids: set[uuid.UUID] | None) -> list[tuple[Key, dict[str, Any]]]:
    """Every category, and the areas in `area_ids` (None: all), for a phone starting from scratch
    (seeded rows predate the log). A scope holds each area's ancestors, so parent codes resolve."""
    cats = (await session.execute(select(Category).order_by(Category.sort_order, Category.code))).scalars().all()
    stmt = select(Area).order_by(Area.code)
    if area_ids is not None:
        stmt = stmt.where(Area.id.in_(area_ids))
    areas = (await session.execute(stmt)).scalars().all()
    codes = {a.id: a.code for a in areas}
    return ([(("category", c.code), category_data(c)) for c in cats]
            + [(("area", a.code), area_data(a, codes.get(a.parent_id))) for a in areas])
