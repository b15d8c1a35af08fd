"""All configuration, read from environment variables (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/civicloop.db"
    media_dir: Path = Path("./var/media")
    secret_key: str = DEV_SECRET
    allowed_origins: list[str] = Field(default_factory=lambda: ["http://localhost:8000"])
    log_level: str = "INFO"

    access_token_minutes: int = 30
    # A grid worker's phone stays signed in for a working week.
    refresh_token_days: int = 7
    max_body_bytes: int = 1_000_000
    max_media_bytes: int = 8 * 1024 * 1024
    # Media backend: "local" (MEDIA_DIR) or "s3" (an S3-compatible store).
    media_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "civicloop-media"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"

    duplicate_radius_m: float = 30.0
    sweeper_interval_s: float = 60.0
    run_sweeper: bool = True
    pwa_dist: Path = Path("./pwa/dist")
    public_base_url: str = "http://localhost:8000"
    # Map tiles for the desk map: "none", "tianditu" (needs a key) or a GCJ-02 URL template.
    map_tiles: str = "none"
    tianditu_key: str | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEV_SECRET:
            raise ValueError("SECRET_KEY must be set outside development (the default secret is refused)")
        if len(self.secret_key) < 16:
            raise ValueError("SECRET_KEY must be at least 16 characters")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
