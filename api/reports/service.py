"""Report intake: store once, route, join a nearby open duplicate or open a ticket.

Never loses a report: every report ends up on exactly one ticket (its own, or the duplicate it
joined). Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import Principal
from api.counters import take_next
from api.errors import Conflict, Forbidden, ValidationFailed
from api.reports import repository as repo
from api.reports.schemas import ReportCreate
from api.routing.service import record_decision, route
from api.settings import get_settings
from api.tickets import repository as ticket_repo
from api.tickets.service import advance_unsaved, record_ticket_change
from api.tickets.workflow import OPEN
from models import Report, Ticket, TicketEvent, utcnow
from sync.changes import record_change

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
EARTH_RADIUS_M = 6_371_008.8
DESK_ROLES = ("dispatcher", "supervisor", "admin")


def source_of(actor: Principal) -> tuple[str, str]:
    """(report source, the role the reporter acts under)."""
    if "grid_worker" in actor.roles:
        return "grid_worker", "grid_worker"
    if "volunteer" in actor.roles:
        return "volunteer", "volunteer"
    for role in DESK_ROLES:
        if role in actor.roles:
            return "desk", role
    raise Forbidden("your role may not file reports", code="role_forbidden",
                    details={"your_roles": sorted(actor.roles)})


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


async def create_report(*, session: AsyncSession, actor: Principal, data: ReportCreate,
                        client_id: str | None = None) -> Report:
    existing = await session.get(Report, data.report_id)
    if existing is not None:
        if existing.reporter_id != actor.id:
            raise Conflict("this report id belongs to another reporter", code="report_id_taken",
                           details={"report_id": str(data.report_id)})
        return existing  # the phone retried: same id, same report
    source, role = source_of(actor)
    category = await ticket_repo.get_category(session, data.category_code)
    if category is None or not category.active:
        raise ValidationFailed("unknown category", code="unknown_category",
                               details={"category_code": data.category_code})
    routed = await route(session, category_code=data.category_code, lat=data.lat, lon=data.lon, category=category)
    now = utcnow()
    hashes = [*data.photos, *data.after_photos]
    complete = len(await ticket_repo.stored_hashes(session, hashes)) == len(set(hashes))
    report = Report(
        id=data.report_id, reporter_id=actor.id, client_id=client_id, source=source,
        category_code=data.category_code, lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
        captured_at=data.captured_at, received_at=now, description=data.description,
        photos=list(data.photos), fixed_on_spot=data.fixed_on_spot, after_photos=list(data.after_photos),
        photos_complete=complete, grid_id=routed.grid_id)

    fixed = data.fixed_on_spot and bool(data.after_photos)
    duplicate = None
    if not fixed:
        await lock_neighbourhood(session, category_code=data.category_code, lat=data.lat, lon=data.lon)
        duplicate = await find_duplicate(session, category_code=data.category_code, lat=data.lat, lon=data.lon)
    if duplicate is not None:
        ticket, distance = duplicate
        report.ticket_id = ticket.id
        session.add(report)
        await session.flush()
        await ticket_repo.bump_report_count(session, ticket_id=ticket.id, by=1, now=now, photos_complete=complete)
        session.add(TicketEvent(ticket_id=ticket.id, action="join", from_status=ticket.status, to_status=None,
                                actor_id=actor.id, actor_role=role, unit_id=ticket.unit_id, at=now,
                                photos=list(data.photos),
                                data={"report_id": str(report.id), "distance_m": round(distance, 1)}))
        await session.flush()
        await session.refresh(ticket)
        await record_ticket_change(session, ticket)
        return report

    if fixed:
        status = "handled"
    elif source == "volunteer" and category.needs_verification:
        status = "pending_verification"
    else:
        status = "reported"
    ticket = Ticket(
        number=await next_ticket_number(session, now), status=status, category_code=data.category_code,
        source=source, reporter_id=actor.id, lat=data.lat, lon=data.lon, description=data.description,
        grid_id=routed.grid_id, street_id=routed.street_id, suggested_unit_id=routed.unit_id,
        routing_rule=routed.rule, routing_explanation=(routed.explanation or "")[:1000],
        photos_complete=complete, reported_at=now, updated_at=now,
        handled_at=now if fixed else None, handled_on_time=True if fixed else None)
    if source == "grid_worker" and status == "reported" and routed.rule != "outside" and routed.unit_id is not None:
        # Trusted: a grid worker's report files and dispatches itself (DESIGN §5), each step with
        # its own event; the ticket row is written once, already dispatched.
        steps = [("file", {}), ("dispatch", {"unit_id": str(routed.unit_id)})]
    else:
        steps = []
    report_event = TicketEvent(ticket_id=ticket.id, action="report", from_status=None, to_status=status,
                               actor_id=actor.id, actor_role=role, at=now, photos=list(data.photos),
                               data={"report_id": str(report.id), "source": source, "fixed_on_spot": fixed,
                                     "after_photos": list(data.after_photos) if fixed else []})
    step_rows = await advance_unsaved(session=session, ticket=ticket, actor_id=actor.id, actor_role=role,
                                      after=now, category=category, steps=steps)
    # The ticket first (the rest point at it; our models declare no ORM relationships for the
    # flush to order by), then one more flush for the report, the events, the decision and any
    # notification: a statement per table, whatever the number of steps.
    session.add(ticket)
    await session.flush()
    report.ticket_id = ticket.id
    session.add_all([report, report_event, *step_rows])
    await record_decision(session, result=routed, category_code=data.category_code, lat=data.lat, lon=data.lon,
                          ticket_id=ticket.id, flush=False)
    await session.flush()
    await record_ticket_change(session, ticket, reports=[report])
    return report


# Cells of the duplicate lock, in degrees: 0.001° is ≈ 111 m north–south and ≈ 94 m east–west at
# 32° N, wider than any sensible duplicate radius, so a radius box touches at most 2 × 2 cells.
LOCK_CELL_DEG = 0.001


def neighbourhood_keys(*, category_code: str, lat: float, lon: float) -> list[int]:
    """Advisory-lock keys for every cell the duplicate radius box around the point touches.

    Two reports within the radius of each other always share a key: each one's own cell lies in
    the other's box. Keys are sorted so concurrent takers never deadlock."""
    (lat_lo, lat_hi), (lon_lo, lon_hi) = radius_box(lat, lon, get_settings().duplicate_radius_m)
    rows = range(math.floor(lat_lo / LOCK_CELL_DEG), math.floor(lat_hi / LOCK_CELL_DEG) + 1)
    cols = range(math.floor(lon_lo / LOCK_CELL_DEG), math.floor(lon_hi / LOCK_CELL_DEG) + 1)
    keys = set()
    for row in rows:
        for col in cols:
            digest = hashlib.blake2b(f"dup:{category_code}:{row}:{col}".encode(), digest_size=8).digest()
            keys.add(int.from_bytes(digest, "big", signed=True))
    return sorted(keys)


async def lock_neighbourhood(session: AsyncSession, *, category_code: str, lat: float, lon: float) -> None:
    """Serialise intake of the same category around this point until commit (PostgreSQL).

    Without it two phones reporting the same stall at the same moment each see no open ticket and
    open two. With it the second waits for the first to commit, then finds and joins its ticket.
    SQLite needs nothing: it runs one writer at a time (BEGIN IMMEDIATE)."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    keys = neighbourhood_keys(category_code=category_code, lat=lat, lon=lon)
    # One round trip; unnest yields the sorted keys in order, so locks are taken in key order.
    await session.execute(text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                          {"keys": keys})


def radius_box(lat: float, lon: float, radius_m: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """A (lat, lon) box that contains every point within radius_m of the point (1 % to spare)."""
    dlat = radius_m / 111_000.0 * 1.01
    dlon = dlat / max(0.01, math.cos(math.radians(lat)))
    return (lat - dlat, lat + dlat), (lon - dlon, lon + dlon)


async def open_tickets_near(session: AsyncSession, *, category_code: str, lat: float, lon: float,
                            radius_m: float) -> list[tuple[Ticket, float]]:
    """Open tickets of the category within radius_m of the point, nearest first, with metres."""
    lat_box, lon_box = radius_box(lat, lon, radius_m)
    candidates = await repo.open_tickets_in_box(session, category_code=category_code, statuses=OPEN,
                                                lat=lat_box, lon=lon_box, centre=(lat, lon))
    near = [(ticket, haversine_m(lat, lon, ticket.lat, ticket.lon)) for ticket in candidates]
    return sorted(((t, d) for t, d in near if d <= radius_m), key=lambda pair: pair[1])


async def find_duplicate(session: AsyncSession, *, category_code: str, lat: float,
                         lon: float) -> tuple[Ticket, float] | None:
    """The nearest open ticket of the same category within the duplicate radius."""
    near = await open_tickets_near(session, category_code=category_code, lat=lat, lon=lon,
                                   radius_m=get_settings().duplicate_radius_m)
    return near[0] if near else None


async def next_ticket_number(session: AsyncSession, now: datetime) -> str:
    """A readable, unique 案件编号: JB + the Shanghai date + a number.

    On PostgreSQL the number comes from a sequence (no lock held to commit, so concurrent intake
    runs in parallel; numbers may skip). SQLite serialises writers anyway: a per-day counter.
    """
    day = now.astimezone(SHANGHAI).strftime("%Y%m%d")
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        n = (await session.execute(text("SELECT nextval('ticket_number_seq')"))).scalar_one()
    else:
        n = await take_next(session, f"ticket_number:{day}")
    return f"JB{day}-{n:05d}"


async def mark_photos_stored(session: AsyncSession, sha256: str) -> None:
    """Called by media when a photo lands (its row already inserted in this transaction): flip
    photos_complete on the reports and tickets that now have every photo they use.

    Tickets first, locked: a report's ticket is never complete while the report waits, so the
    ticket locks also serialise two uploads finishing the same reports."""
    now = utcnow()
    tickets = await repo.lock_incomplete_tickets_using(session, sha256)
    for report_id, reporter_id in await repo.complete_reports_using(session, sha256):
        await record_change(session, entity="report", entity_id=str(report_id), audience={f"user:{reporter_id}"})
    counts = await repo.ticket_photo_counts(session, (ticket.id for ticket in tickets))
    for ticket in tickets:
        photos, waiting = counts[ticket.id]
        if waiting:
            continue
        # Not a version bump: finishing an upload must not make anyone's pending action stale.
        ticket.photos_complete = True
        ticket.updated_at = now
        session.add(TicketEvent(ticket_id=ticket.id, action="photos_complete", from_status=ticket.status,
                                to_status=None, actor_id=None, actor_role="system", unit_id=ticket.unit_id,
                                at=now, data={"photos": photos}))
        await record_ticket_change(session, ticket)
    await session.flush()


def report_public(report: Report, ticket: Ticket | None) -> dict[str, Any]:
    data = report.model_dump()
    data["ticket_number"] = ticket.number if ticket else None
    data["status"] = ticket.status if ticket else None
    return data
