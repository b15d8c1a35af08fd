from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Area, RefreshToken, Unit, User, UserGrid


async def find_user_by_login(session: AsyncSession, login: str) -> User | None:
    stmt = select(User).where(or_(User.username == login, User.phone == login))
    return (await session.execute(stmt)).scalars().first()


async def grid_codes(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    stmt = select(Area.code).join(UserGrid, UserGrid.area_id == Area.id).where(UserGrid.user_id == user_id)
    return sorted((await session.execute(stmt)).scalars())


async def unit_of(session: AsyncSession, unit_id: uuid.UUID | None) -> Unit | None:
    return await session.get(Unit, unit_id) if unit_id else None


async def revoke_all(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_one(session: AsyncSession, jti: uuid.UUID, now: datetime) -> int:
    """Compare-and-set so a refresh token can be used exactly once."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == jti, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0
