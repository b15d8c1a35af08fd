"""People, their roles, grid beats and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from models.base import Field, SQLModel, json_field, new_id, ts_field

ROLES = ("grid_worker", "volunteer", "dispatcher", "unit_handler", "supervisor", "admin")


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    phone: str | None = Field(default=None, max_length=20, unique=True, index=True)
    name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    roles: list[str] = json_field(default_factory=list)
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True
    created_at: datetime = ts_field(nullable=False, default_now=True)


class UserGrid(SQLModel, table=True):
    """A grid in a grid worker's beat (责任网格)."""

    __tablename__ = "user_grid"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    area_id: uuid.UUID = Field(foreign_key="area.id", primary_key=True, index=True, ondelete="CASCADE")


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)  # the token's jti
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    expires_at: datetime = ts_field(nullable=False)
    revoked_at: datetime | None = ts_field()
