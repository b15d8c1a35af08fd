"""Password hashing (argon2) and signed tokens (JWT, HS256)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def encode_token(*, secret: str, subject: str, kind: str, lifetime: timedelta,
                 jti: uuid.UUID | None = None, now: datetime | None = None, **claims: Any) -> str:
    issued = now or datetime.now(UTC)
    payload = {"sub": subject, "typ": kind, "iat": int(issued.timestamp()),
               "exp": int((issued + lifetime).timestamp()), **claims}
    if jti is not None:
        payload["jti"] = str(jti)
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


class TokenError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def decode_token(token: str, *, secret: str, kind: str) -> dict[str, Any]:
    try:
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token_expired", "the token has expired; sign in again") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("token_invalid", "the token is not valid") from exc
    if payload.get("typ") != kind:
        raise TokenError("token_invalid", f"expected a {kind} token")
    return payload
