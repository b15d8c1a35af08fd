"""Sign-in, token refresh (rotating, one use each) and logout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import repository as repo
from api.auth.schemas import TokenPair, UserPublic
from api.auth.security import TokenError, decode_token, encode_token, verify_password
from api.errors import Unauthorized
from api.settings import Settings
from models import RefreshToken, User


async def user_public(session: AsyncSession, user: User) -> UserPublic:
    unit = await repo.unit_of(session, user.unit_id)
    return UserPublic(
        id=user.id, username=user.username, name=user.name, phone=user.phone, roles=list(user.roles),
        unit_id=user.unit_id, unit_code=unit.code if unit else None, unit_name=unit.name if unit else None,
        grid_codes=await repo.grid_codes(session, user.id),
    )


async def _issue(session: AsyncSession, *, user: User, settings: Settings, now: datetime) -> TokenPair:
    access_life = timedelta(minutes=settings.access_token_minutes)
    refresh_life = timedelta(days=settings.refresh_token_days)
    jti = uuid.uuid4()
    session.add(RefreshToken(id=jti, user_id=user.id, created_at=now, expires_at=now + refresh_life))
    await session.flush()
    return TokenPair(
        access_token=encode_token(secret=settings.secret_key, subject=str(user.id), kind="access",
                                  lifetime=access_life, now=now, roles=list(user.roles)),
        refresh_token=encode_token(secret=settings.secret_key, subject=str(user.id), kind="refresh",
                                   lifetime=refresh_life, jti=jti, now=now),
        expires_in=int(access_life.total_seconds()),
        refresh_expires_in=int(refresh_life.total_seconds()),
        user=await user_public(session, user),
    )


async def login(*, session: AsyncSession, settings: Settings, username: str, password: str) -> TokenPair:
    user = await repo.find_user_by_login(session, username.strip())
    # The same answer for unknown user and wrong password: no account probing.
    if user is None or not verify_password(user.password_hash, password):
        raise Unauthorized("wrong username or password", code="invalid_credentials")
    if not user.active:
        raise Unauthorized("this account is disabled", code="account_disabled")
    return await _issue(session, user=user, settings=settings, now=datetime.now(UTC))


async def refresh(*, session: AsyncSession, settings: Settings, refresh_token: str) -> TokenPair:
    try:
        payload = decode_token(refresh_token, secret=settings.secret_key, kind="refresh")
        jti = uuid.UUID(payload["jti"])
        user_id = uuid.UUID(payload["sub"])
    except TokenError as exc:
        raise Unauthorized(exc.message, code=exc.code) from exc
    except (KeyError, ValueError) as exc:
        raise Unauthorized("the token is not valid", code="token_invalid") from exc
    now = datetime.now(UTC)
    if await repo.revoke_one(session, jti, now) != 1:
        raise Unauthorized("this refresh token was revoked or already used; sign in again", code="token_revoked")
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise Unauthorized("this account is disabled", code="account_disabled")
    return await _issue(session, user=user, settings=settings, now=now)


async def logout(*, session: AsyncSession, settings: Settings, user: User, refresh_token: str | None) -> None:
    now = datetime.now(UTC)
    if refresh_token is None:
        await repo.revoke_all(session, user.id, now)
        return
    try:
        payload = decode_token(refresh_token, secret=settings.secret_key, kind="refresh")
        jti = uuid.UUID(payload["jti"])
    except (TokenError, KeyError, ValueError):
        # An unreadable token cannot be used again anyway; revoke everything to be safe.
        await repo.revoke_all(session, user.id, now)
        return
    if payload.get("sub") != str(user.id):
        await repo.revoke_all(session, user.id, now)
        return
    await repo.revoke_one(session, jti, now)
