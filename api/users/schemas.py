"""User admin request and response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.auth.schemas import Strict

Role = Literal["grid_worker", "volunteer", "dispatcher", "unit_handler", "supervisor", "admin"]
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}$"
PHONE = r"^\+?\d{5,19}$"


class UserCreate(Strict):
    username: str = Field(pattern=USERNAME)
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=8, max_length=200)
    phone: str | None = Field(default=None, pattern=PHONE)
    roles: list[Role] = Field(min_length=1, max_length=6)
    unit: str | None = Field(default=None, max_length=32, description="unit code (unit handlers)")
    grids: list[str] = Field(default_factory=list, max_length=200, description="grid codes (grid workers)")
    active: bool = True


class UserUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    password: str | None = Field(default=None, min_length=8, max_length=200,
                                 description="a new password (reset); signs the user out everywhere")
    phone: str | None = Field(default=None, pattern=PHONE)
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=6)
    unit: str | None = Field(default=None, max_length=32)
    grids: list[str] | None = Field(default=None, max_length=200)
    active: bool | None = None


class UserAdminPublic(BaseModel):
    id: uuid.UUID
    username: str
    name: str
    phone: str | None
    roles: list[str]
    unit_code: str | None
    unit_name: str | None
    grid_codes: list[str]
    active: bool
    created_at: datetime


class UsersPage(BaseModel):
    items: list[UserAdminPublic]
    next_cursor: str | None
