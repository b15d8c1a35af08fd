"""User management rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.repository import revoke_all
from api.auth.security import hash_password
from api.errors import Conflict, NotFound, ValidationFailed
from api.org.paging import page
from api.org.repository import ids_by_code, unit_by_code
from api.org.service import unknown as unknown_reference
from api.users import repository as repo
from api.users.schemas import UserAdminPublic, UserCreate, UsersPage, UserUpdate
from models import Area, Unit, User, utcnow
from models.users import ROLES
from sync.area_scope import queue_new_areas, user_scope


async def create_user_cli(*, username: str, password: str, name: str | None, roles: list[str],
                          phone: str | None, unit_code: str | None) -> int:
    from api.db import make_engine, make_sessionmaker
    from api.settings import get_settings

    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        print(f"unknown role(s): {', '.join(unknown)}; choose from {', '.join(ROLES)}")
        return 2
    engine = make_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            unit_id = None
            if unit_code:
                unit = (await session.execute(select(Unit).where(Unit.code == unit_code))).scalars().first()
                if unit is None:
                    print(f"no unit with code {unit_code}")
                    return 2
                unit_id = unit.id
            if (await session.execute(select(User).where(User.username == username))).scalars().first():
                print(f"user {username} already exists")
                return 2
            session.add(User(username=username, name=name or username, phone=phone,
                             password_hash=hash_password(password), roles=roles, unit_id=unit_id))
            await session.commit()
        print(f"created {username} ({', '.join(roles)})")
        return 0
    finally:
        await engine.dispose()


# -- admin API ------------------------------------------------------------------------------------




async def admin_public(session: AsyncSession, users: list[User]) -> list[UserAdminPublic]:
    units = await repo.units(session, (u.unit_id for u in users))
    grids = await repo.grid_codes(session, [u.id for u in users])
    out = []
    for u in users:
        unit = units.get(u.unit_id)
        out.append(UserAdminPublic(id=u.id, username=u.username, name=u.name, phone=u.phone, roles=list(u.roles),
                                   unit_code=unit.code if unit else None, unit_name=unit.name if unit else None,
                                   grid_codes=grids.get(u.id, []), active=u.active, created_at=u.created_at))
    return out


async def list_users(*, session: AsyncSession, role: str | None, unit: str | None, q: str | None,
                     active: bool | None, cursor: str | None, limit: int) -> UsersPage:
    unit_id = None
    if unit:
        found = await unit_by_code(session, unit)
        if found is None:
            return UsersPage(items=[], next_cursor=None)
        unit_id = found.id
    stmt = repo.users_query(role=role, unit_id=unit_id, q=q, active=active)
    rows, next_cursor = await page(session, stmt, User.username, cursor=cursor, limit=limit)
    return UsersPage(items=await admin_public(session, rows), next_cursor=next_cursor)


async def get_user(*, session: AsyncSession, user_id) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return user


async def _unit_id(session: AsyncSession, code: str | None):
    if code is None:
        return None
    unit = await unit_by_code(session, code)
    if unit is None:
        raise unknown_reference("unit", [code])
    return unit.id


async def _grid_ids(session: AsyncSession, codes: list[str]) -> set:
    found = await ids_by_code(session, Area, codes)
    missing = sorted(set(codes) - set(found))
    if missing:
        raise unknown_reference("grids", missing)
    levels = dict((await session.execute(select(Area.code, Area.level).where(Area.code.in_(codes)))).all())
    not_grids = sorted(c for c, lvl in levels.items() if lvl != "grid")
    if not_grids:
        raise ValidationFailed(f"not grids: {', '.join(not_grids)}", code="not_a_grid",
                               details={"field": "grids", "values": not_grids})
    return set(found.values())


async def _phone_free(session: AsyncSession, phone: str | None, user: User | None) -> None:
    if phone:
        other = await repo.by_phone(session, phone)
        if other is not None and (user is None or other.id != user.id):
            raise Conflict("another user has this phone number", code="phone_taken", details={"field": "phone"})


async def create_user(*, session: AsyncSession, data: UserCreate) -> User:
    if await repo.by_username(session, data.username):
        raise Conflict(f"user {data.username} exists", code="username_taken", details={"field": "username"})
    await _phone_free(session, data.phone, None)
    grids = await _grid_ids(session, data.grids)
    user = User(username=data.username, name=data.name, phone=data.phone, password_hash=hash_password(data.password),
                roles=list(dict.fromkeys(data.roles)), unit_id=await _unit_id(session, data.unit), active=data.active)
    session.add(user)
    await session.flush()
    await repo.set_grids(session, user.id, grids)
    return user


async def update_user(*, session: AsyncSession, user: User, data: UserUpdate) -> User:
    sent = data.model_fields_set
    places_changed = bool(sent & {"roles", "unit", "grids"})
    areas_before = await user_scope(session, user) if places_changed else None
    if "name" in sent and data.name is not None:
        user.name = data.name
    if "phone" in sent:
        await _phone_free(session, data.phone, user)
        user.phone = data.phone
    if "roles" in sent and data.roles is not None:
        user.roles = list(dict.fromkeys(data.roles))
    if "unit" in sent:
        user.unit_id = await _unit_id(session, data.unit)
    if "grids" in sent:
        await repo.set_grids(session, user.id, await _grid_ids(session, data.grids or []))
    signed_out = False
    if "password" in sent and data.password is not None:
        user.password_hash = hash_password(data.password)
        signed_out = True
    if "active" in sent and data.active is not None:
        signed_out |= user.active and not data.active
        user.active = data.active
    await session.flush()
    if places_changed:
        await queue_new_areas(session, user, areas_before)
    if signed_out:
        # A reset or a disabled account ends every session: refresh tokens stop working now.
        await revoke_all(session, user.id, utcnow())
    return user

