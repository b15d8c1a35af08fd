"""The city: areas (district → street → community → grid), road segments, units."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint

from models.base import Field, SQLModel, json_field, new_id, ts_field

AREA_LEVELS = ("district", "street", "community", "grid")


class Area(SQLModel, table=True):
    __tablename__ = "area"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=120)
    level: str = Field(max_length=16, index=True)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="area.id", index=True)
    # GeoJSON geometry (Polygon or MultiPolygon), WGS-84.
    geometry: dict[str, Any] = json_field()
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class Unit(SQLModel, table=True):
    """A responsible unit (责任单位)."""

    __tablename__ = "unit"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=120)
    dept_type: str = Field(max_length=40, index=True)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id")
    # Working calendar: {"work_hours": [["08:30","12:00"],...], "workdays": [0..6],
    # "holidays": ["YYYY-MM-DD"], "extra_workdays": ["YYYY-MM-DD"]}. Empty = the city default.
    calendar: dict[str, Any] = json_field()
    active: bool = True
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class UnitJurisdiction(SQLModel, table=True):
    __tablename__ = "unit_jurisdiction"

    unit_id: uuid.UUID = Field(foreign_key="unit.id", primary_key=True, ondelete="CASCADE")
    area_id: uuid.UUID = Field(foreign_key="area.id", primary_key=True, index=True, ondelete="CASCADE")


class RoadSegment(SQLModel, table=True):
    """A road with a buffer and the unit answering for it (包街 / 门前三包)."""

    __tablename__ = "road_segment"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=120)
    geometry: dict[str, Any] = json_field()
    buffer_m: float = 20.0
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    # Category or group codes this duty covers; empty = all.
    categories: list[str] = json_field(default_factory=list)
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class RoutingRule(SQLModel, table=True):
    """An explicit rule: this category (or group) in this area goes to this unit."""

    __tablename__ = "routing_rule"
    __table_args__ = (UniqueConstraint("category", "area_id", "unit_id", name="category_area_unit"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    category: str = Field(max_length=5, index=True)  # 5-digit code or 2-digit group
    area_id: uuid.UUID | None = Field(default=None, foreign_key="area.id")
    unit_id: uuid.UUID = Field(foreign_key="unit.id")
    priority: int = 0
    active: bool = True
    created_at: datetime = ts_field(nullable=False, default_now=True)
