from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=64, description="username or phone number")
    password: str = Field(min_length=1, max_length=200)


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=10, max_length=2000)


class LogoutRequest(Strict):
    refresh_token: str | None = Field(default=None, max_length=2000)


class UserPublic(BaseModel):
    id: uuid.UUID
    username: str
    name: str
    phone: str | None
    roles: list[str]
    unit_id: uuid.UUID | None
    unit_code: str | None = None
    unit_name: str | None = None
    grid_codes: list[str] = []


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_expires_in: int
    user: UserPublic
