"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import make_engine, make_sessionmaker
from api.errors import envelope, install_error_handlers
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware, configure_logging
from api.routes import api_router
from api.settings import Settings, get_settings
from api.sla.sweeper import start_sweeper
from api.spa import mount_pwa

log = logging.getLogger("civicloop")

# Hooks run at startup/shutdown (e.g. the SLA sweeper); each gets the app.
StartupHook = Callable[[FastAPI], Awaitable[Any]]
startup_hooks: list[StartupHook] = []
startup_hooks.append(start_sweeper)  # no-op unless settings.run_sweeper


def create_app(settings: Settings | None = None, *,
               sessionmaker: async_sessionmaker[AsyncSession] | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        stoppers = []
        for hook in startup_hooks:
            stop = await hook(app)
            if stop is not None:
                stoppers.append(stop)
        yield
        for stop in reversed(stoppers):
            await stop()
        if app.state.owns_engine:
            await app.state.engine.dispose()

    app = FastAPI(
        title="CivicLoop (创城通) API",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    if sessionmaker is None:
        app.state.engine = make_engine(settings.database_url)
        app.state.sessionmaker = make_sessionmaker(app.state.engine)
        app.state.owns_engine = True
    else:
        app.state.engine = sessionmaker.kw.get("bind")
        app.state.sessionmaker = sessionmaker
        app.state.owns_engine = False

    install_error_handlers(app)
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_credentials=False,
                       allow_methods=["*"], allow_headers=["*"], expose_headers=["x-request-id", "etag"])
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes,
                       media_limit=settings.max_media_bytes)
    app.add_middleware(RequestContextMiddleware)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz():
        checks: dict[str, str] = {}
        try:
            async with app.state.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # any failure means not ready
            checks["database"] = f"error: {type(exc).__name__}"
        media = settings.media_dir
        checks["media"] = "ok" if media.is_dir() and _writable(media) else "error: not writable"
        if all(v == "ok" for v in checks.values()):
            return {"status": "ready", "checks": checks}
        return envelope(503, "not_ready", "a dependency is unreachable", {"checks": checks})

    app.include_router(api_router())
    mount_pwa(app, settings.pwa_dist)
    return app


def _writable(folder) -> bool:
    import os

    return os.access(folder, os.W_OK)
