"""Small factories with keyword overrides: build exactly the rows a test needs."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.security import hash_password
from models import Area, Category, Unit, UnitJurisdiction, User, UserGrid

_seq = itertools.count(1)
PASSWORD = "Passw0rd!"
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose; hash once per run


def square(lon: float, lat: float, size: float = 0.001) -> dict[str, Any]:
    """A GeoJSON square polygon with its south-west corner at (lon, lat)."""
    return {"type": "Polygon", "coordinates": [[
        [lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]}


async def make_area(session: AsyncSession, **kw: Any) -> Area:
    n = next(_seq)
    area = Area(**{"code": f"A{n:05d}", "name": f"区域{n}", "level": "grid",
                   "geometry": square(118.0, 32.0), **kw})
    session.add(area)
    await session.flush()
    return area


async def make_unit(session: AsyncSession, *, jurisdiction: list[Area] = (), **kw: Any) -> Unit:
    n = next(_seq)
    unit = Unit(**{"code": f"U{n:05d}", "name": f"单位{n}", "dept_type": "city_management", **kw})
    session.add(unit)
    await session.flush()
    for area in jurisdiction:
        session.add(UnitJurisdiction(unit_id=unit.id, area_id=area.id))
    await session.flush()
    return unit


async def make_user(session: AsyncSession, *, roles: list[str] = ("grid_worker",), grids: list[Area] = (),
                    password: str | None = None, **kw: Any) -> User:
    n = next(_seq)
    user = User(**{"username": f"user{n}", "name": f"用户{n}",
                   "password_hash": hash_password(password) if password else _HASH,
                   "roles": list(roles), **kw})
    session.add(user)
    await session.flush()
    for grid in grids:
        session.add(UserGrid(user_id=user.id, area_id=grid.id))
    await session.flush()
    return user


async def make_category(session: AsyncSession, **kw: Any) -> Category:
    n = next(_seq)
    code = kw.pop("code", f"10{n % 1000:03d}")
    category = Category(**{"code": code, "name": f"事项{n}", "group_code": code[:2], "group_name": "其他",
                           "dept_type": "city_management", **kw})
    session.add(category)
    await session.flush()
    return category


async def login(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in over the API and return the Authorization header."""
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
