"""Routing over HTTP: the dispatcher's preview and the rules admin."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth.deps import AdminUser, DeskUser
from api.db import SessionDep
from api.routing import rules, service
from api.routing.index import cache_for
from api.routing.schemas import (
    RoutingPreview,
    RoutingPreviewRequest,
    RoutingRuleCreate,
    RoutingRulePublic,
    RoutingRulesPage,
    RoutingRuleUpdate,
)

router = APIRouter(tags=["routing"])


@router.post("/routing/preview", response_model=RoutingPreview, operation_id="routing_preview")
async def preview(body: RoutingPreviewRequest, _: DeskUser, session: SessionDep, request: Request) -> RoutingPreview:
    # One cache per engine; exposed on app.state so operators can see what is held.
    cache = request.app.state.routing_cache = cache_for(session.bind)
    r = await service.route(session, category_code=body.category_code, lat=body.lat, lon=body.lon, cache=cache)
    return RoutingPreview(unit_id=r.unit_id, unit_code=r.unit_code, unit_name=r.unit_name, rule=r.rule,
                          rule_ref=r.rule_ref, explanation=r.explanation, grid_code=r.grid_code,
                          street_code=r.street_code, distance_m=r.distance_m, city_version=r.city_version)


@router.get("/admin/routing-rules", response_model=RoutingRulesPage, operation_id="routing_rules_list")
async def list_rules(
    _: DeskUser, session: SessionDep,
    category: Annotated[str | None, Query(pattern=r"^\d{2}(\d{3})?$")] = None,
    area_code: Annotated[str | None, Query(max_length=32)] = None,
    unit_code: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=rules.MAX_PAGE)] = 50,
) -> RoutingRulesPage:
    return await rules.list_rules(session=session, category=category, area_code=area_code, unit_code=unit_code,
                                  cursor=cursor, limit=limit)


@router.get("/admin/routing-rules/{rule_id}", response_model=RoutingRulePublic, operation_id="routing_rules_get")
async def get_rule(rule_id: uuid.UUID, _: DeskUser, session: SessionDep) -> RoutingRulePublic:
    rule = await rules.get_rule(session=session, rule_id=rule_id)
    return await rules.rule_public(session=session, rule=rule)


@router.post("/admin/routing-rules", response_model=RoutingRulePublic, status_code=201,
             operation_id="routing_rules_create")
async def create_rule(body: RoutingRuleCreate, _: AdminUser, session: SessionDep) -> RoutingRulePublic:
    return await rules.create_rule(session=session, data=body)


@router.patch("/admin/routing-rules/{rule_id}", response_model=RoutingRulePublic, operation_id="routing_rules_update")
async def update_rule(rule_id: uuid.UUID, body: RoutingRuleUpdate, _: AdminUser,
                      session: SessionDep) -> RoutingRulePublic:
    return await rules.update_rule(session=session, rule_id=rule_id, data=body)


@router.delete("/admin/routing-rules/{rule_id}", status_code=204, operation_id="routing_rules_delete")
async def delete_rule(rule_id: uuid.UUID, _: AdminUser, session: SessionDep) -> Response:
    await rules.delete_rule(session=session, rule_id=rule_id)
    return Response(status_code=204)
