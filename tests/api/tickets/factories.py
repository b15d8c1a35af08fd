"""Tickets, reports and a tiny city for workflow tests (keyword overrides, nothing hidden)."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import Principal, load_principal
from api.org.city_version import bump_city_version
from models import Area, Category, Report, Ticket, Unit, User, utcnow
from tests.factories import make_area, make_category, make_unit, make_user, square

_seq = itertools.count(1)
CATEGORY = "10901"  # not in the seeded set (0002), so tests own its settings

# Unit calendars that always work: deadlines are plain clock arithmetic in tests.
ALWAYS = {"always": True}


def sha(n: int | str) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


@dataclass
class City:
    """district D ⊃ street S ⊃ community C ⊃ grids G1 (118.000–118.001) and G2 (118.001–118.002),
    all at lat 32.000–32.001. CM answers for the street (city_management), SO is the street office."""

    district: Area
    street: Area
    community: Area
    g1: Area
    g2: Area
    cm: Unit
    so: Unit
    category: Category

    # A point well inside each grid.
    P1 = (32.0005, 118.0005)
    P2 = (32.0005, 118.0015)
    OUTSIDE = (31.5, 117.5)


async def make_city(session: AsyncSession, *, needs_verification: bool = True, limit_hours: float = 4.0) -> City:
    n = next(_seq)
    district = await make_area(session, code=f"9{n:05d}", level="district", geometry=square(118.0, 32.0, 0.002))
    street = await make_area(session, code=f"9{n:05d}001", level="street", parent_id=district.id,
                             geometry=square(118.0, 32.0, 0.002))
    community = await make_area(session, code=f"9{n:05d}001001", level="community", parent_id=street.id,
                                geometry=square(118.0, 32.0, 0.002))
    g1 = await make_area(session, code=f"9{n:05d}001001001", level="grid", parent_id=community.id,
                         geometry=square(118.0, 32.0, 0.001))
    g2 = await make_area(session, code=f"9{n:05d}001001002", level="grid", parent_id=community.id,
                         geometry={"type": "Polygon", "coordinates": [[
                             [118.001, 32.0], [118.002, 32.0], [118.002, 32.001], [118.001, 32.001],
                             [118.001, 32.0]]]})
    cm = await make_unit(session, jurisdiction=[street], dept_type="city_management", calendar=ALWAYS)
    so = await make_unit(session, jurisdiction=[street], dept_type="street_office", calendar=ALWAYS)
    category = await make_category(session, code=CATEGORY, dept_type="city_management",
                                   needs_verification=needs_verification, limit_hours=limit_hours)
    await bump_city_version(session)
    return City(district, street, community, g1, g2, cm, so, category)


async def make_ticket(session: AsyncSession, city: City, *, status: str = "filed", unit: Unit | None = None,
                      grid: Area | None = None, reporter: User | None = None, **kw: Any) -> Ticket:
    """A ticket already in `status`, with the milestone columns that status implies."""
    now = utcnow()
    n = next(_seq)
    grid = grid or city.g1
    dispatched = status in {"dispatched", "in_progress", "handled", "returned", "parked", "closed"}
    unit = unit or (city.cm if dispatched else None)
    values: dict[str, Any] = {
        "number": f"TT{n:08d}", "status": status, "category_code": city.category.code,
        "lat": City.P1[0] if grid is city.g1 else City.P2[0],
        "lon": City.P1[1] if grid is city.g1 else City.P2[1],
        "grid_id": grid.id, "street_id": city.street.id, "suggested_unit_id": city.cm.id,
        "unit_id": unit.id if unit else None, "reporter_id": reporter.id if reporter else None,
        "reported_at": now, "updated_at": now,
    }
    if dispatched:
        values.update(filed_at=now, dispatched_at=now, due_at=now + timedelta(hours=4))
    if status in {"in_progress", "handled", "closed"}:
        values["signed_at"] = now
    if status in {"handled", "closed"}:
        values["handled_at"] = now
    if status == "parked":
        values["parked_at"] = now
    values.update(kw)
    ticket = Ticket(**values)
    session.add(ticket)
    await session.flush()
    if reporter is not None:
        session.add(Report(id=uuid.uuid4(), reporter_id=reporter.id, category_code=city.category.code,
                           lat=ticket.lat, lon=ticket.lon, captured_at=now, ticket_id=ticket.id))
        await session.flush()
    return ticket


async def as_principal(session: AsyncSession, user: User) -> Principal:
    return await load_principal(session, user)


async def make_people(session: AsyncSession, city: City) -> dict[str, User]:
    """One user per role, scoped to the city: the grid worker patrols G1, the handler works for CM."""
    return {
        "grid_worker": await make_user(session, roles=["grid_worker"], grids=[city.g1]),
        "volunteer": await make_user(session, roles=["volunteer"]),
        "dispatcher": await make_user(session, roles=["dispatcher"]),
        "unit_handler": await make_user(session, roles=["unit_handler"], unit_id=city.cm.id),
        "supervisor": await make_user(session, roles=["supervisor"]),
        "admin": await make_user(session, roles=["admin"]),
    }


def auth(settings, user: User) -> dict[str, str]:
    """A real access token for `user` (signing in over HTTP is tested in tests/api/test_auth.py)."""
    from api.auth.security import encode_token

    token = encode_token(secret=settings.secret_key, subject=str(user.id), kind="access",
                         lifetime=timedelta(minutes=30))
    return {"Authorization": f"Bearer {token}"}
