"""One error family, rendered into one envelope: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("civicloop.errors")


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message or self.code)
        self.message = message or self.code
        if code:
            self.code = code
        self.details = details or {}


class BadRequest(AppError):
    status_code, code = 400, "bad_request"


class ValidationFailed(AppError):
    status_code, code = 422, "validation_error"


class Unauthorized(AppError):
    status_code, code = 401, "unauthorized"


class Forbidden(AppError):
    status_code, code = 403, "forbidden"


class NotFound(AppError):
    status_code, code = 404, "not_found"


class Conflict(AppError):
    status_code, code = 409, "conflict"


class StaleVersion(Conflict):
    code = "stale_version"

    def __init__(self, *, expected: int, actual: int | None = None):
        super().__init__(
            "the ticket changed since you loaded it; reload and try again",
            details={"base_version": expected, "current_version": actual},
        )


class InvalidTransition(Conflict):
    code = "ticket_invalid_transition"

    def __init__(self, *, action: str, status: str, allowed: list[str]):
        super().__init__(
            f"'{action}' is not allowed while the ticket is '{status}'",
            details={"action": action, "status": status, "allowed": sorted(allowed)},
        )


class PayloadTooLarge(AppError):
    status_code, code = 413, "payload_too_large"


class Throttled(AppError):
    status_code, code = 429, "throttled"


class ServiceUnavailable(AppError):
    status_code, code = 503, "service_unavailable"


def envelope(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"error": {"code": code, "message": message, "details": details or {}}},
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return envelope(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        malformed = any(e["type"] == "json_invalid" for e in errors)
        code = "malformed_json" if malformed else "validation_error"
        message = "the request body is not valid JSON" if malformed else "the request does not match the schema"
        return envelope(422, code, message, {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return envelope(exc.status_code, code, str(exc.detail))

    # OSError too: asyncpg raises a bare ConnectionError when the database drops mid-handshake;
    # only class-specific handlers answer cleanly (the catch-all re-raises and drops the socket).
    @app.exception_handler(OSError)
    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def _db_down(_: Request, exc: Exception) -> JSONResponse:
        if _is_connection_error(exc):
            log.warning("database unavailable: %s", exc)
            return envelope(503, "database_unavailable", "the database is unreachable; try again shortly")
        log.exception("database error")
        return envelope(500, "internal_error", "an internal error occurred")

    @app.exception_handler(Exception)
    async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
        if _is_connection_error(exc):
            return envelope(503, "database_unavailable", "the database is unreachable; try again shortly")
        log.exception("unhandled error")
        return envelope(500, "internal_error", "an internal error occurred")


def _is_connection_error(exc: BaseException) -> bool:
    """Transient: the database (or the network to it) is down, not a bug in the request."""
    if isinstance(exc, (ConnectionError, OSError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text = str(exc).lower()
    needles = ("connection refused", "could not connect", "connection was closed", "connection is closed",
               "cannot connect", "database is locked", "connectiondoesnotexist", "terminating connection",
               "server closed the connection")
    return any(n in text for n in needles)
