"""Request and response bodies for routing preview and the rules admin."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class RoutingPreviewRequest(Strict):
    category_code: str = Field(pattern=r"^\d{5}$", description="5-digit category code, e.g. 09009")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="WGS-84 latitude")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="WGS-84 longitude")


class RoutingPreview(BaseModel):
    unit_id: uuid.UUID | None
    unit_code: str | None
    unit_name: str | None
    rule: str = Field(description="explicit_rule | road_segment | jurisdiction | territorial | outside")
    rule_ref: str | None
    explanation: str
    grid_code: str | None
    street_code: str | None
    distance_m: float | None = None
    city_version: int


CATEGORY_OR_GROUP = r"^\d{2}(\d{3})?$"


class RoutingRuleCreate(Strict):
    category: str = Field(pattern=CATEGORY_OR_GROUP, description="5-digit category code or 2-digit group")
    area_code: str | None = Field(default=None, max_length=32, description="null = city-wide")
    unit_code: str = Field(min_length=1, max_length=32)
    priority: int = Field(default=0, ge=-1000, le=1000)
    active: bool = True


class RoutingRuleUpdate(Strict):
    category: str | None = Field(default=None, pattern=CATEGORY_OR_GROUP)
    area_code: str | None = Field(default=None, max_length=32, description="null = city-wide")
    unit_code: str | None = Field(default=None, min_length=1, max_length=32)
    priority: int | None = Field(default=None, ge=-1000, le=1000)
    active: bool | None = None


class RoutingRulePublic(BaseModel):
    id: uuid.UUID
    category: str
    area_id: uuid.UUID | None
    area_code: str | None
    unit_id: uuid.UUID
    unit_code: str
    unit_name: str
    priority: int
    active: bool
    created_at: datetime


class RoutingRulesPage(BaseModel):
    items: list[RoutingRulePublic]
    next_cursor: str | None
