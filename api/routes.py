"""Every domain router mounted under /api/v1 (one line per domain)."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth.router import router as auth_router
from api.categories.router import router as categories_router
from api.config.router import router as config_router
from api.media.router import router as media_router
from api.org.router import router as org_router
from api.reports.router import router as reports_router
from api.routing.router import router as routing_router
from api.sla.router import router as notifications_router
from api.stats.router import router as stats_router
from api.tickets.router import router as tickets_router
from api.users.router import router as users_router
from sync.router import router as sync_router


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    router.include_router(auth_router)
    router.include_router(config_router)
    router.include_router(org_router)
    router.include_router(categories_router)
    router.include_router(users_router)
    router.include_router(media_router)
    router.include_router(sync_router)
    router.include_router(notifications_router)
    router.include_router(stats_router)
    router.include_router(routing_router)
    router.include_router(reports_router)
    router.include_router(tickets_router)
    return router
