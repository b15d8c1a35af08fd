"""Category admin: local categories beside the seeded 创城 set; every change reaches the phones."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.categories.schemas import CategoriesPage, CategoryCreate, CategoryPublic, CategoryUpdate
from api.errors import Conflict, NotFound, ValidationFailed
from api.org.city_version import bump_city_version
from api.org.paging import page
from models import Category, utcnow
from sync.changes import record_change


def public(category: Category) -> CategoryPublic:
    return CategoryPublic.model_validate(category, from_attributes=True)


async def by_code(session: AsyncSession, code: str) -> Category | None:
    return (await session.execute(select(Category).where(Category.code == code))).scalars().first()


async def get_category(*, session: AsyncSession, code: str) -> Category:
    category = await by_code(session, code)
    if category is None:
        raise NotFound(f"no category with code {code}", code="category_not_found")
    return category


async def list_categories(*, session: AsyncSession, group: str | None, active: bool | None, common: bool | None,
                          q: str | None, cursor: str | None, limit: int) -> CategoriesPage:
    stmt = select(Category)
    if group:
        stmt = stmt.where(Category.group_code == group)
    if active is not None:
        stmt = stmt.where(Category.active == active)
    if common is not None:
        stmt = stmt.where(Category.common == common)
    if q:
        stmt = stmt.where(or_(Category.code.contains(q, autoescape=True), Category.name.contains(q, autoescape=True),
                              Category.name_en.contains(q, autoescape=True)))
    rows, next_cursor = await page(session, stmt, Category.code, cursor=cursor, limit=limit)
    return CategoriesPage(items=[public(c) for c in rows], next_cursor=next_cursor)


async def _changed(session: AsyncSession, category: Category, *, duty_changed: bool) -> None:
    await record_change(session, entity="category", entity_id=category.code, audience=["all"])
    if duty_changed:
        # Routing falls back to the category's department type, so the routing index must rebuild.
        await bump_city_version(session)


async def create_category(*, session: AsyncSession, data: CategoryCreate) -> Category:
    if await by_code(session, data.code):
        raise Conflict(f"a category with code {data.code} exists", code="category_exists")
    group_code = data.code[:2]
    sibling = (await session.execute(select(Category).where(Category.group_code == group_code).limit(1))).scalars().first()
    if sibling is None and not data.group_name:
        raise ValidationFailed(f"group {group_code} is new: give its group_name", code="group_name_required",
                               details={"field": "group_name"})
    values = data.model_dump(exclude={"group_name"})
    values["keywords"] = [k.strip() for k in data.keywords if k.strip()]
    category = Category(**values, group_code=group_code,
                        group_name=sibling.group_name if sibling else data.group_name)
    session.add(category)
    await session.flush()
    await _changed(session, category, duty_changed=True)
    return category


async def update_category(*, session: AsyncSession, category: Category, data: CategoryUpdate) -> Category:
    old_dept = category.dept_type
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(category, name, value)
    category.updated_at = utcnow()
    await session.flush()
    await _changed(session, category, duty_changed=category.dept_type != old_dept)
    return category
