"""Statistics per unit, area, reporter and category; rankings; the dashboard; the 通报 CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import Principal
from api.errors import Forbidden, NotFound, ValidationFailed
from api.stats import repository as repo
from api.stats.metrics import (
    COUNT_LABELS,
    PEER_GROUP_ORDER,
    RATE_LABELS,
    Counts,
    grade,
    pct,
    peer_group,
    peer_group_label,
    rank,
    rates,
    score,
    score_weights,
)
from api.stats.period import Period
from models import Ticket, TicketEvent, User, utcnow

DESK = frozenset({"supervisor", "dispatcher", "admin"})
SOURCES = ("grid_worker", "volunteer", "hotline", "inspection", "desk")


def ticket_scope(principal: Principal) -> ColumnElement[bool] | None:
    """The desk sees the city; a unit handler only their unit's tickets."""
    if principal.roles & DESK:
        return None
    if "unit_handler" in principal.roles and principal.unit_id is not None:
        return Ticket.unit_id == principal.unit_id
    raise Forbidden("statistics are for the desk and unit handlers", code="role_forbidden")


def line(c: Counts) -> dict[str, Any]:
    s = score(c)
    counts = c.as_dict()
    counts["by_source"] = {k: c.by_source.get(k, 0) for k in SOURCES} | c.by_source
    return {"counts": counts, "rates": rates(c), "score": s, "grade": grade(s)}


# -- units and rankings ---------------------------------------------------------------------------

async def by_unit(session: AsyncSession, *, period: Period, now: datetime) -> dict[tuple, Counts]:
    """Counts keyed by (unit_id,); the None key holds tickets no unit has yet."""
    return await repo.collect(session, period=period, now=now, keys=[Ticket.unit_id],
                              event_keys=[TicketEvent.unit_id])


async def unit_rows(session: AsyncSession, *, period: Period, now: datetime,
                    data: dict[tuple, Counts] | None = None) -> list[dict[str, Any]]:
    """Every active unit with its figures, ranked within its peer group."""
    units = await repo.all_units(session)
    if data is None:
        data = await by_unit(session, period=period, now=now)
    rows = []
    for u in units:
        group = peer_group(u.dept_type)
        c = data.get((u.id,), Counts())
        rows.append({"unit_id": str(u.id), "unit_code": u.code, "unit_name": u.name, "dept_type": u.dept_type,
                     "peer_group": group, "peer_group_label": peer_group_label(group),
                     "overdue_backlog": c.overdue_backlog, **line(c)})
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_group[r["peer_group"]].append(r)
    for members in by_group.values():
        for r, place in zip(members, rank([m["score"] for m in members]), strict=True):
            r["rank"] = place
    return sorted(rows, key=_rank_order)


def _rank_order(r: dict[str, Any]) -> tuple:
    group = PEER_GROUP_ORDER.index(r["peer_group"]) if r["peer_group"] in PEER_GROUP_ORDER else 99
    unranked = r["rank"] is None
    return (group, unranked, r["rank"] or 0, -(r["rates"]["on_time_close_rate"] or 0), r["unit_code"])


def _brief(r: dict[str, Any] | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {k: r[k] for k in ("unit_id", "unit_code", "unit_name", "score", "grade", "rank", "overdue_backlog")}


def group_rows(rows: list[dict[str, Any]], *, visible=lambda r: True) -> list[dict[str, Any]]:
    groups = []
    for key in PEER_GROUP_ORDER:
        members = [r for r in rows if r["peer_group"] == key]
        if not members:
            continue
        ranked = [r for r in members if r["rank"] is not None]
        best = min(ranked, key=lambda r: r["rank"]) if ranked else None
        worst = max(ranked, key=lambda r: (r["rank"], r["overdue_backlog"])) if len(ranked) > 1 else None
        groups.append({"key": key, "label": peer_group_label(key), "best": _brief(best), "worst": _brief(worst),
                       "units": [r for r in members if visible(r)]})
    return [g for g in groups if g["units"]]


async def unit_stats(*, session: AsyncSession, principal: Principal, period: Period) -> dict[str, Any]:
    scope = ticket_scope(principal)
    rows = await unit_rows(session, period=period, now=utcnow())
    mine = str(principal.unit_id)
    groups = group_rows(rows, visible=(lambda r: True) if scope is None else (lambda r: r["unit_id"] == mine))
    return {"period": period.as_dict(), "weights": vars(score_weights()), "groups": groups}


# -- areas ----------------------------------------------------------------------------------------

async def area_stats(*, session: AsyncSession, principal: Principal, period: Period, level: str,
                     parent: str | None) -> dict[str, Any]:
    if level not in ("district", "street", "community", "grid"):
        raise ValidationFailed("level is district, street, community or grid", code="bad_level")
    scope = ticket_scope(principal)
    areas = await repo.all_areas(session)
    parent_of = {a[0]: a[1] for a in areas}
    info = {a[0]: a for a in areas}
    parent_id = None
    if parent:
        parent_id = next((a[0] for a in areas if a[3] == parent), None)
        if parent_id is None:
            raise NotFound("no such area", code="area_not_found", details={"parent": parent})

    def chain(area_id: uuid.UUID | None) -> list[uuid.UUID]:
        out, seen = [], set()
        while area_id is not None and area_id not in seen:
            seen.add(area_id)
            out.append(area_id)
            area_id = parent_of.get(area_id)
        return out

    data = await repo.collect(session, period=period, now=utcnow(), keys=[Ticket.grid_id, Ticket.street_id],
                              scope=scope)
    totals: dict[uuid.UUID, Counts] = defaultdict(Counts)
    for (grid_id, street_id), c in data.items():
        # A ticket counts for its grid and every area above it (street and district included).
        for area_id in dict.fromkeys(chain(grid_id) + chain(street_id)):
            totals[area_id].add(c)
    rows = []
    for area_id, _p, lvl, code, name in areas:
        if lvl != level or (parent_id is not None and parent_id not in chain(area_id)[1:]):
            continue
        p = info.get(parent_of.get(area_id))
        rows.append({"area_id": str(area_id), "code": code, "name": name, "level": lvl,
                     "parent_code": p[3] if p else None, **line(totals.get(area_id, Counts()))})
    return {"period": period.as_dict(), "level": level, "parent": parent, "areas": rows}


# -- categories, reporters -----------------------------------------------------------------------

async def category_stats(*, session: AsyncSession, principal: Principal, period: Period) -> dict[str, Any]:
    scope = ticket_scope(principal)
    names = await repo.categories(session)
    data = await repo.collect(session, period=period, now=utcnow(), keys=[Ticket.category_code], scope=scope)
    rows = [{"code": code, "name": names.get(code, ("", ""))[0], "group": names.get(code, ("", ""))[1],
             **line(c)} for (code,), c in data.items()]
    rows.sort(key=lambda r: (-r["counts"]["reported"], -r["counts"]["to_close"], r["code"]))
    return {"period": period.as_dict(), "categories": rows}


async def reporter_stats(*, session: AsyncSession, principal: Principal, period: Period,
                         limit: int) -> dict[str, Any]:
    scope = ticket_scope(principal)
    data = await repo.reporter_counts(session, period=period, scope=scope)
    users = {u.id: u for u in (await session.execute(select(User).where(User.id.in_(list(data))))).scalars()}
    rows = []
    for reporter_id, c in data.items():
        u = users.get(reporter_id)
        rows.append({"user_id": str(reporter_id), "username": u.username if u else None,
                     "name": u.name if u else None, "roles": list(u.roles) if u else [],
                     "reported": c.reported, "valid_reported": c.valid_reported, "self_handled": c.self_handled,
                     "closed": c.closed, "by_source": c.by_source,
                     "valid_report_rate": rates(c)["valid_report_rate"]})
    rows.sort(key=lambda r: (-r["reported"], -(r["valid_report_rate"] or 0), r["username"] or ""))
    return {"period": period.as_dict(), "reporters": rows[:limit], "total": len(rows)}


# -- the dashboard --------------------------------------------------------------------------------

async def dashboard(*, session: AsyncSession, principal: Principal, period: Period) -> dict[str, Any]:
    scope = ticket_scope(principal)
    now = utcnow()
    if scope is None:
        # One grouped pass serves both the city totals (every group summed) and the rankings.
        per_unit = await by_unit(session, period=period, now=now)
        totals = Counts()
        for c in per_unit.values():
            totals.add(c)
    else:
        totals = (await repo.collect(session, period=period, now=now, keys=[], scope=scope)).get((), Counts())
    series = await repo.daily(session, period=period, scope=scope)
    mix = await repo.category_mix(session, period=period, scope=scope)
    reported = sum(n for *_x, n in mix)
    body: dict[str, Any] = {
        "period": period.as_dict(),
        "totals": {**line(totals), "overdue_backlog": totals.overdue_backlog},
        "by_source": {k: totals.by_source.get(k, 0) for k in SOURCES} | totals.by_source,
        "trend": [{"date": d.isoformat(), **v} for d, v in series.items()],
        "category_mix": [{"code": code, "name": name, "group": group, "count": n,
                          "share": pct(n / reported) if reported else None} for code, name, group, n in mix],
        "rankings": [],
    }
    if scope is None:
        rows = await unit_rows(session, period=period, now=now, data=per_unit)
        body["rankings"] = [{k: g[k] for k in ("key", "label", "best", "worst")} for g in group_rows(rows)]
    return body


# -- the monthly 通报 -----------------------------------------------------------------------------

NOTICE_COUNTS = ("to_handle", "handled", "handled_on_time", "overdue_unhandled", "extended", "to_close",
                 "closed", "closed_on_time", "reworked", "to_dispatch", "returned")
NOTICE_RATES = ("close_rate", "on_time_close_rate", "on_time_handle_rate", "rework_rate", "overdue_rate",
                "extension_rate", "dispatch_accuracy")


def notice_header() -> list[str]:
    counts, rate_names = dict(COUNT_LABELS), dict(RATE_LABELS)
    return (["排名", "单位编码", "责任单位", "同类组"] + [counts[k] for k in NOTICE_COUNTS]
            + [f"{rate_names[k]}(%)" for k in NOTICE_RATES] + ["得分", "等级", "遗留超期未处置案件"])


async def notice_csv(*, session: AsyncSession, period: Period) -> bytes:
    """The monthly ranking table, UTF-8 with a BOM so Excel shows the Chinese correctly."""
    rows = await unit_rows(session, period=period, now=utcnow())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(notice_header())
    for r in rows:
        writer.writerow(
            ["" if r["rank"] is None else r["rank"], r["unit_code"], r["unit_name"], r["peer_group_label"]]
            + [r["counts"][k] for k in NOTICE_COUNTS]
            + ["" if r["rates"][k] is None else f"{r['rates'][k]:.2f}" for k in NOTICE_RATES]
            + ["" if r["score"] is None else f"{r['score']:.2f}", r["grade"] or "", r["overdue_backlog"]])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
