"""Who is calling, and what they may touch: reusable dependencies for every router."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from api.auth.security import TokenError, decode_token
from api.db import SessionDep
from api.errors import Forbidden, Unauthorized
from models import User, UserGrid

bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


@dataclass(frozen=True)
class Principal:
    """The signed-in user with everything scoping needs, loaded once per request."""

    user: User
    roles: frozenset[str]
    unit_id: uuid.UUID | None
    grid_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> str:
        for role in ("admin", "supervisor", "dispatcher", "unit_handler", "grid_worker", "volunteer"):
            if role in self.roles:
                return role
        return "volunteer"


async def load_principal(session, user: User) -> Principal:
    grids = (await session.execute(select(UserGrid.area_id).where(UserGrid.user_id == user.id))).scalars()
    return Principal(user=user, roles=frozenset(user.roles), unit_id=user.unit_id, grid_ids=frozenset(grids))


async def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("sign in first: no bearer token", code="not_authenticated")
    try:
        payload = decode_token(credentials.credentials, secret=request.app.state.settings.secret_key, kind="access")
    except TokenError as exc:
        raise Unauthorized(exc.message, code=exc.code) from exc
    try:
        user_id = uuid.UUID(payload["sub"])
    except ValueError as exc:
        raise Unauthorized("the token is not valid", code="token_invalid") from exc
    # The user and their grids in one round trip (this runs on every request).
    rows = (await session.execute(
        select(User, UserGrid.area_id).outerjoin(UserGrid, UserGrid.user_id == User.id)
        .where(User.id == user_id))).all()
    user = rows[0][0] if rows else None
    if user is None or not user.active:
        raise Unauthorized("this account is disabled or gone", code="account_disabled")
    grids = frozenset(area_id for _, area_id in rows if area_id is not None)
    return Principal(user=user, roles=frozenset(user.roles), unit_id=user.unit_id, grid_ids=grids)


CurrentUser = Annotated[Principal, Depends(get_current_user)]


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency factory: the caller must hold one of `roles` (admin always passes)."""

    allowed = frozenset(roles) | {"admin"}

    async def _check(principal: CurrentUser) -> Principal:
        if not principal.roles.intersection(allowed):
            raise Forbidden(
                "your role may not do this",
                code="role_forbidden",
                details={"required_any_of": sorted(allowed), "your_roles": sorted(principal.roles)},
            )
        return principal

    return _check


AdminUser = Annotated[Principal, Depends(require_roles("admin"))]
DeskUser = Annotated[Principal, Depends(require_roles("dispatcher", "supervisor"))]
