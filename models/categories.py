"""Categories (事项) after GB/T 47678.5."""

from __future__ import annotations

import uuid
from datetime import datetime

from models.base import Field, SQLModel, json_field, new_id, ts_field

TIERS = ("general", "engineering", "special")


class Category(SQLModel, table=True):
    __tablename__ = "category"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=5, unique=True, index=True)  # 2-digit group + 3-digit item
    name: str = Field(max_length=60)
    name_en: str = Field(default="", max_length=80)
    group_code: str = Field(max_length=2, index=True)
    group_name: str = Field(max_length=40)
    dept_type: str = Field(max_length=40)
    tier: str = Field(default="general", max_length=16)
    # Handling limit in working hours on the responsible unit's calendar.
    limit_hours: float = 4.0
    needs_verification: bool = True  # 核实
    needs_recheck: bool = True  # 核查
    icon: str = Field(default="", max_length=40)
    common: bool = False  # ★ the ones campaign inspections meet most
    hint: str = Field(default="", max_length=200)
    keywords: list[str] = json_field(default_factory=list)
    sort_order: int = 0
    active: bool = True
    updated_at: datetime = ts_field(nullable=False, default_now=True)
