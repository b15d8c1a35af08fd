"""User admin over HTTP (admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth.deps import AdminUser
from api.db import SessionDep
from api.org.paging import DEFAULT_PAGE, MAX_PAGE
from api.users import service
from api.users.schemas import Role, UserAdminPublic, UserCreate, UsersPage, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", operation_id="listUsers", response_model=UsersPage)
async def list_users(
    session: SessionDep, _: AdminUser, role: Role | None = None,
    unit: Annotated[str | None, Query(max_length=32, description="unit code")] = None,
    q: Annotated[str | None, Query(max_length=60)] = None, active: bool | None = None,
    cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> UsersPage:
    return await service.list_users(session=session, role=role, unit=unit, q=q, active=active, cursor=cursor,
                                    limit=limit)


@router.get("/{user_id}", operation_id="getUser", response_model=UserAdminPublic)
async def get_user(user_id: uuid.UUID, session: SessionDep, _: AdminUser) -> UserAdminPublic:
    user = await service.get_user(session=session, user_id=user_id)
    return (await service.admin_public(session, [user]))[0]


@router.post("", operation_id="createUser", response_model=UserAdminPublic, status_code=201)
async def create_user(data: UserCreate, session: SessionDep, _: AdminUser) -> UserAdminPublic:
    user = await service.create_user(session=session, data=data)
    return (await service.admin_public(session, [user]))[0]


@router.patch("/{user_id}", operation_id="updateUser", response_model=UserAdminPublic)
async def update_user(user_id: uuid.UUID, data: UserUpdate, session: SessionDep, _: AdminUser) -> UserAdminPublic:
    user = await service.get_user(session=session, user_id=user_id)
    user = await service.update_user(session=session, user=user, data=data)
    return (await service.admin_public(session, [user]))[0]
