"""Route a report to its one responsible unit (DESIGN §4), and explain why in Chinese.

Precedence, first match wins:
1. explicit rule for (category or its 2-digit group, area): the deepest area holding the point
   first, then category beats group, then higher priority, then the smaller unit code, then the
   rule id; a rule with no area is city-wide and least specific;
2. the nearest road segment whose buffer holds the point and whose duty covers the category
   (ties: smaller road code);
3. the unit of the category's department type whose jurisdiction holds the point, deepest
   area first (ties: smaller unit code);
4. the street office (street_office) whose jurisdiction holds the point (属地兜底).
A point in no area is `outside` with no unit: it waits in the dispatcher's triage queue, as does
a point in an area with no street office (explained as such).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import NotFound, ValidationFailed
from api.routing import repository
from api.routing.index import AreaInfo, CitySnapshot, SnapshotCache, UnitInfo, cache_for
from models import Category, RoutingDecision

RULES = ("explicit_rule", "road_segment", "jurisdiction", "territorial", "outside")

DEPT_LABELS = {
    "traffic_police": "交警", "city_management": "城管执法", "sanitation": "环卫", "street_office": "街道办",
    "municipal": "市政", "landscaping": "园林", "market_regulation": "市场监管", "housing_construction": "住建",
    "civilization_office": "文明办", "fire_rescue": "消防", "civil_affairs": "民政", "ecology": "生态环境",
    "water": "水务", "bike_operator": "共享单车运营企业", "property_company": "物业", "community": "社区居委会",
    "owner": "产权单位",
}
LEVEL_LABELS = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
_MEMO_CAP = 200_000


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    code: str
    name: str
    group_code: str
    group_name: str
    dept_type: str


@dataclass(frozen=True, slots=True)
class RoutingResult:
    unit_id: uuid.UUID | None
    unit_code: str | None
    unit_name: str | None
    rule: str  # explicit_rule | road_segment | jurisdiction | territorial | outside
    rule_ref: str | None  # rule id, road code, or the area code whose jurisdiction decided
    grid_id: uuid.UUID | None
    street_id: uuid.UUID | None
    area_id: uuid.UUID | None  # the deepest area holding the point
    explanation: str
    grid_code: str | None = None
    street_code: str | None = None
    matched_area_id: uuid.UUID | None = None  # the area of the deciding rule / jurisdiction
    distance_m: float | None = None  # road_segment only
    city_version: int = 0


OUTSIDE_TEXT = "点位不在任何辖区内，转指挥中心人工分派"


def dept_label(dept_type: str) -> str:
    return DEPT_LABELS.get(dept_type, dept_type)


def _cat_text(category: CategoryInfo, key: str) -> str:
    if len(key) == 2:
        return f"{category.group_name}类({key})"
    return f"{category.name}({category.code})"


def decide(snapshot: CitySnapshot, category: CategoryInfo, lat: float, lon: float) -> RoutingResult:
    """The pure core: same snapshot, category and point → same result."""
    hits = snapshot.covering(lon, lat)
    if not hits:
        return RoutingResult(None, None, None, "outside", None, None, None, None, OUTSIDE_TEXT,
                             city_version=snapshot.version)
    # Everything but the road lookup depends only on which areas hold the point: memoise it.
    key = (category, hits)
    by_area = snapshot.memo.get(key)
    if by_area is None:
        chain = snapshot.chain_of(hits)
        by_area = _by_rule(snapshot, category, chain) or _by_jurisdiction(snapshot, category, chain)
        if len(snapshot.memo) >= _MEMO_CAP:
            snapshot.memo.clear()
        snapshot.memo[key] = by_area
    if by_area.rule == "explicit_rule":
        return by_area
    found = snapshot.nearest_road(lon, lat, category.code)
    if found is not None:
        road, dist = found
        unit = snapshot.units[road.unit_id]
        text = (f"包街：点位距 {road.name} {dist:.0f} 米（缓冲 {road.buffer_m:.0f} 米），"
                f"{_cat_text(category, category.code)} 由 {unit.name} 负责")
        return _result(snapshot, snapshot.chain_of(hits), unit, "road_segment", road.code, text, None,
                       distance_m=round(dist, 2))
    return by_area


def _by_rule(snapshot: CitySnapshot, category: CategoryInfo, chain: tuple[AreaInfo, ...]) -> RoutingResult | None:
    """Step 1: the explicit rule of the deepest area holding the point (then city-wide)."""
    keys = [k for k in (category.code, category.group_code) if k in snapshot.rule_keys]
    if not keys:
        return None
    for area in (*chain, None):
        candidates = [r for k in keys if (r := snapshot.rule_at.get((k, area.idx if area else -1)))]
        if candidates:
            rule = min(candidates, key=lambda r: r.sort_key(snapshot.units[r.unit_id].code))
            unit = snapshot.units[rule.unit_id]
            where = area.name if area else "全市"
            text = (f"规则：{_cat_text(category, rule.category)} 在 {where} 由 {unit.name} 负责"
                    f"（显式规则，最具体区域优先）")
            return _result(snapshot, chain, unit, "explicit_rule", str(rule.id), text, area)
    return None


def _by_jurisdiction(snapshot: CitySnapshot, category: CategoryInfo, chain: tuple[AreaInfo, ...]) -> RoutingResult:
    """Steps 3 and 4 (what the areas decide when no rule and no road does)."""
    leaf = chain[0]
    where = f"{leaf.code} {LEVEL_LABELS.get(leaf.level, leaf.level)}（{leaf.name}）"
    for area in chain:
        unit = snapshot.unit_at.get((area.idx, category.dept_type))
        if unit is not None:
            text = (f"属地：点位位于 {where}，按部门类型 {dept_label(category.dept_type)} "
                    f"由 {unit.name} 负责（管辖 {area.name}）")
            return _result(snapshot, chain, unit, "jurisdiction", area.code, text, area)
    for area in chain:
        unit = snapshot.unit_at.get((area.idx, "street_office"))
        if unit is not None:
            text = (f"属地兜底：点位位于 {where}，{_cat_text(category, category.code)} 按部门类型 "
                    f"{dept_label(category.dept_type)} 无对口单位，由 {unit.name} 负责")
            return _result(snapshot, chain, unit, "territorial", area.code, text, area)
    text = f"点位位于 {where}，但无对口单位也无街道办事处管辖，转指挥中心人工分派"
    return _result(snapshot, chain, None, "outside", None, text, None)


def _result(snapshot: CitySnapshot, chain: tuple[AreaInfo, ...], unit: UnitInfo | None, rule: str,
            rule_ref: str | None, text: str, matched: AreaInfo | None, *,
            distance_m: float | None = None) -> RoutingResult:
    grid = next((a for a in chain if a.level == "grid"), None)
    street = next((a for a in chain if a.level == "street"), None)
    return RoutingResult(
        unit_id=unit.id if unit else None, unit_code=unit.code if unit else None,
        unit_name=unit.name if unit else None, rule=rule, rule_ref=rule_ref,
        grid_id=grid.id if grid else None, street_id=street.id if street else None, area_id=chain[0].id,
        explanation=text, grid_code=grid.code if grid else None, street_code=street.code if street else None,
        matched_area_id=matched.id if matched else None, distance_m=distance_m, city_version=snapshot.version)


def check_point(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed("lat must be within [-90, 90] and lon within [-180, 180]", code="invalid_point",
                               details={"lat": lat, "lon": lon})


async def snapshot_for(session: AsyncSession, cache: SnapshotCache | None = None) -> CitySnapshot:
    """The current city snapshot, rebuilt when the city version moved."""
    cache = cache or cache_for(session.bind)
    return await cache.get(lambda: repository.city_version_key(session),
                           lambda key: repository.load_snapshot(session, key[0]))


async def category_info(session: AsyncSession, code: str, category: Category | None = None) -> CategoryInfo:
    """`category`: the row when the caller already loaded it (report intake does)."""
    if category is None or category.code != code:
        category = await repository.get_category(session, code) if isinstance(code, str) else None
    if category is None:
        raise NotFound(f"no category with code {code!r}", code="unknown_category", details={"category_code": code})
    return CategoryInfo(category.code, category.name, category.group_code, category.group_name, category.dept_type)


async def route(session: AsyncSession, *, category_code: str, lat: float, lon: float,
                cache: SnapshotCache | None = None, category: Category | None = None) -> RoutingResult:
    """Which unit answers for this category at this point, by which rule, and why."""
    check_point(lat, lon)
    info = await category_info(session, category_code, category)
    snapshot = await snapshot_for(session, cache)
    return decide(snapshot, info, lat, lon)


async def record_decision(session: AsyncSession, *, result: RoutingResult, category_code: str, lat: float,
                          lon: float, ticket_id: uuid.UUID | None, flush: bool = True) -> RoutingDecision:
    """Store the decision (flushes unless told not to; never commits)."""
    decision = RoutingDecision(
        ticket_id=ticket_id, category_code=category_code, lat=lat, lon=lon, unit_id=result.unit_id,
        area_id=result.area_id, rule=result.rule, rule_ref=result.rule_ref, explanation=result.explanation[:1000])
    session.add(decision)
    if flush:
        await session.flush()
    return decision
