"""User management rules."""

from __future__ import annotations

from sqlalchemy import select

from api.auth.security import hash_password
from models import Unit, User
from models.users import ROLES


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
