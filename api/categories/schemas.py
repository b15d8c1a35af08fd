"""Category (事项) request and response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.auth.schemas import Strict
from api.org.schemas import DEPT_TYPE

Tier = Literal["general", "engineering", "special"]


class CategoryCreate(Strict):
    code: str = Field(pattern=r"^\d{5}$", description="2-digit group + 3-digit item")
    name: str = Field(min_length=1, max_length=60)
    name_en: str = Field(default="", max_length=80)
    group_name: str | None = Field(default=None, min_length=1, max_length=40,
                                   description="required when the group is new; else the group's name is kept")
    dept_type: str = Field(pattern=DEPT_TYPE)
    tier: Tier = "general"
    limit_hours: float = Field(default=4.0, gt=0, le=24 * 365)
    needs_verification: bool = True
    needs_recheck: bool = True
    icon: str = Field(default="", max_length=40)
    common: bool = False
    hint: str = Field(default="", max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=30)
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)
    active: bool = True


class CategoryUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    name_en: str | None = Field(default=None, max_length=80)
    dept_type: str | None = Field(default=None, pattern=DEPT_TYPE)
    tier: Tier | None = None
    limit_hours: float | None = Field(default=None, gt=0, le=24 * 365)
    needs_verification: bool | None = None
    needs_recheck: bool | None = None
    icon: str | None = Field(default=None, max_length=40)
    common: bool | None = None
    hint: str | None = Field(default=None, max_length=200)
    keywords: list[str] | None = Field(default=None, max_length=30)
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    active: bool | None = None


class CategoryPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    name_en: str
    group_code: str
    group_name: str
    dept_type: str
    tier: str
    limit_hours: float
    needs_verification: bool
    needs_recheck: bool
    icon: str
    common: bool
    hint: str
    keywords: list[str]
    sort_order: int
    active: bool
    updated_at: datetime


class CategoriesPage(BaseModel):
    items: list[CategoryPublic]
    next_cursor: str | None
