"""The rules admin: every write bumps the city version in the same transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import BadRequest, Conflict, NotFound, ValidationFailed
from api.org.city_version import bump_city_version
from api.routing import repository
from api.routing.schemas import RoutingRuleCreate, RoutingRulePublic, RoutingRulesPage, RoutingRuleUpdate
from models import Area, RoutingRule, Unit

MAX_PAGE = 200


async def _category(session: AsyncSession, code: str) -> str:
    known = (await repository.get_category(session, code) is not None) if len(code) == 5 \
        else await repository.group_exists(session, code)
    if not known:
        raise ValidationFailed(f"no category or group {code!r}", code="unknown_category", details={"category": code})
    return code


async def _area(session: AsyncSession, code: str | None) -> Area | None:
    if code is None:
        return None
    area = await repository.get_area_by_code(session, code)
    if area is None:
        raise ValidationFailed(f"no area with code {code!r}", code="unknown_area", details={"area_code": code})
    return area


async def _unit(session: AsyncSession, code: str) -> Unit:
    unit = await repository.get_unit_by_code(session, code)
    if unit is None:
        raise ValidationFailed(f"no unit with code {code!r}", code="unknown_unit", details={"unit_code": code})
    return unit


async def _refuse_duplicate(session: AsyncSession, rule: RoutingRule, *, exclude: uuid.UUID | None = None) -> None:
    other = await repository.find_rule(session, category=rule.category, area_id=rule.area_id, unit_id=rule.unit_id)
    if other is not None and other.id != exclude:
        raise Conflict("the same rule already exists", code="routing_rule_exists", details={"rule_id": str(other.id)})


def _public(rule: RoutingRule, area: Area | None, unit: Unit) -> RoutingRulePublic:
    return RoutingRulePublic(id=rule.id, category=rule.category, area_id=rule.area_id,
                             area_code=area.code if area else None, unit_id=rule.unit_id, unit_code=unit.code,
                             unit_name=unit.name, priority=rule.priority, active=rule.active,
                             created_at=rule.created_at)


async def get_rule(*, session: AsyncSession, rule_id: uuid.UUID) -> RoutingRule:
    rule = await repository.get_rule(session, rule_id)
    if rule is None:
        raise NotFound("no such routing rule", code="routing_rule_not_found", details={"rule_id": str(rule_id)})
    return rule


async def rule_public(*, session: AsyncSession, rule: RoutingRule) -> RoutingRulePublic:
    area = await session.get(Area, rule.area_id) if rule.area_id else None
    unit = await session.get(Unit, rule.unit_id)
    return _public(rule, area, unit)


async def create_rule(*, session: AsyncSession, data: RoutingRuleCreate) -> RoutingRulePublic:
    category = await _category(session, data.category)
    area = await _area(session, data.area_code)
    unit = await _unit(session, data.unit_code)
    rule = RoutingRule(category=category, area_id=area.id if area else None, unit_id=unit.id,
                       priority=data.priority, active=data.active)
    await _refuse_duplicate(session, rule)
    session.add(rule)
    await session.flush()
    await bump_city_version(session)
    return _public(rule, area, unit)


async def update_rule(*, session: AsyncSession, rule_id: uuid.UUID, data: RoutingRuleUpdate) -> RoutingRulePublic:
    rule = await get_rule(session=session, rule_id=rule_id)
    given = data.model_fields_set
    if "category" in given:
        if data.category is None:
            raise ValidationFailed("category cannot be null", code="validation_error", details={"field": "category"})
        rule.category = await _category(session, data.category)
    if "area_code" in given:  # an explicit null makes the rule city-wide
        area = await _area(session, data.area_code)
        rule.area_id = area.id if area else None
    if "unit_code" in given:
        if data.unit_code is None:
            raise ValidationFailed("unit_code cannot be null", code="validation_error", details={"field": "unit_code"})
        rule.unit_id = (await _unit(session, data.unit_code)).id
    for name in ("priority", "active"):
        if name in given:
            if getattr(data, name) is None:
                raise ValidationFailed(f"{name} cannot be null", code="validation_error", details={"field": name})
            setattr(rule, name, getattr(data, name))
    await _refuse_duplicate(session, rule, exclude=rule.id)
    session.add(rule)
    await session.flush()
    await bump_city_version(session)
    return await rule_public(session=session, rule=rule)


async def delete_rule(*, session: AsyncSession, rule_id: uuid.UUID) -> None:
    rule = await get_rule(session=session, rule_id=rule_id)
    await session.delete(rule)
    await session.flush()
    await bump_city_version(session)


def _parse_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    try:
        category, rid = cursor.split(":", 1)
        return category, uuid.UUID(rid)
    except ValueError as exc:
        raise BadRequest("the cursor is not one we issued", code="invalid_cursor") from exc


async def list_rules(*, session: AsyncSession, category: str | None, area_code: str | None,
                     unit_code: str | None, cursor: str | None, limit: int) -> RoutingRulesPage:
    limit = max(1, min(limit, MAX_PAGE))
    area = await _area(session, area_code) if area_code else None
    unit = await _unit(session, unit_code) if unit_code else None
    rows = await repository.list_rules(session, category=category, area_id=area.id if area else None,
                                       unit_id=unit.id if unit else None,
                                       after=_parse_cursor(cursor) if cursor else None, limit=limit + 1)
    items = [RoutingRulePublic(id=r.id, category=r.category, area_id=r.area_id, area_code=a_code, unit_id=r.unit_id,
                               unit_code=u_code, unit_name=u_name, priority=r.priority, active=r.active,
                               created_at=r.created_at) for r, a_code, u_code, u_name in rows[:limit]]
    next_cursor = f"{items[-1].category}:{items[-1].id}" if len(rows) > limit else None
    return RoutingRulesPage(items=items, next_cursor=next_cursor)
