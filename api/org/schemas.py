"""Request and response models of the org package (areas, units, the city-pack summary)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.auth.schemas import Strict

CODE = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$"
DEPT_TYPE = r"^[a-z][a-z0-9_]{1,39}$"
Level = Literal["district", "street", "community", "grid"]


class ImportCounts(BaseModel):
    created: int
    updated: int
    unchanged: int


class CityPackSummary(BaseModel):
    areas: ImportCounts
    units: ImportCounts
    roads: ImportCounts
    rules: ImportCounts
    users: ImportCounts


# -- areas ----------------------------------------------------------------------------------------


class AreaCreate(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=120)
    level: Level
    parent: str | None = Field(default=None, pattern=CODE, description="parent area code; null for a district")
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, WGS-84")


class AreaUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    geometry: dict[str, Any] | None = None


class AreaPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    level: str
    parent: str | None
    geometry: dict[str, Any] | None
    updated_at: datetime


class AreasPage(BaseModel):
    items: list[AreaPublic]
    next_cursor: str | None


# -- units ----------------------------------------------------------------------------------------


class UnitCreate(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=120)
    dept_type: str = Field(pattern=DEPT_TYPE)
    jurisdiction: list[str] = Field(default_factory=list, max_length=500, description="area codes")
    parent: str | None = Field(default=None, pattern=CODE, description="parent unit code")
    calendar: dict[str, Any] = Field(default_factory=dict, description="working calendar; {} = the city default")
    active: bool = True


class UnitUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    dept_type: str | None = Field(default=None, pattern=DEPT_TYPE)
    jurisdiction: list[str] | None = Field(default=None, max_length=500)
    parent: str | None = Field(default=None, pattern=CODE)
    calendar: dict[str, Any] | None = None
    active: bool | None = None


class UnitPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    dept_type: str
    jurisdiction: list[str]
    parent: str | None
    calendar: dict[str, Any]
    active: bool
    updated_at: datetime


class UnitsPage(BaseModel):
    items: list[UnitPublic]
    next_cursor: str | None
