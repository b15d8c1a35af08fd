"""Categories over HTTP: every signed-in user may read them (phones get them by sync anyway); admins write."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth.deps import AdminUser, CurrentUser
from api.categories import service
from api.categories.schemas import CategoriesPage, CategoryCreate, CategoryPublic, CategoryUpdate
from api.db import SessionDep
from api.org.paging import DEFAULT_PAGE, MAX_PAGE

router = APIRouter(prefix="/categories", tags=["categories"])


@router.get("", operation_id="listCategories", response_model=CategoriesPage)
async def list_categories(
    session: SessionDep, _: CurrentUser,
    group: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    active: bool | None = None, common: bool | None = None,
    q: Annotated[str | None, Query(max_length=60)] = None, cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> CategoriesPage:
    return await service.list_categories(session=session, group=group, active=active, common=common, q=q,
                                         cursor=cursor, limit=limit)


@router.get("/{code}", operation_id="getCategory", response_model=CategoryPublic)
async def get_category(code: str, session: SessionDep, _: CurrentUser) -> CategoryPublic:
    return service.public(await service.get_category(session=session, code=code))


@router.post("", operation_id="createCategory", response_model=CategoryPublic, status_code=201)
async def create_category(data: CategoryCreate, session: SessionDep, _: AdminUser) -> CategoryPublic:
    return service.public(await service.create_category(session=session, data=data))


@router.patch("/{code}", operation_id="updateCategory", response_model=CategoryPublic)
async def update_category(code: str, data: CategoryUpdate, session: SessionDep, _: AdminUser) -> CategoryPublic:
    category = await service.get_category(session=session, code=code)
    return service.public(await service.update_category(session=session, category=category, data=data))
