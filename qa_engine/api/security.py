"""Password hashing (argon2id at OWASP parameters; older scrypt hashes still verify and are upgraded
at login) and JWT access tokens."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from qa_engine.config import Settings

ALGORITHM = "HS256"
# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
_ARGON2 = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string: algorithm, parameters and salt are stored with it)."""
    return _ARGON2.hash(password)


def needs_rehash(stored: str) -> bool:
    """The hash is an older scheme or weaker parameters: replace it at the next successful login."""
    return not stored.startswith("$argon2id$") or _ARGON2.check_needs_rehash(stored)


def verify_password(password: str, stored: str) -> bool:
    """Check a password against an argon2id or an older scrypt hash; malformed hashes never match."""
    if stored.startswith("$argon2"):
        try:
            return _ARGON2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return _verify_scrypt(password, stored)


def _verify_scrypt(password: str, stored: str) -> bool:
    """Hashes written before argon2id: ``scrypt$n$r$p$salt$hash`` (hex), compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, bytes.fromhex(digest))


def create_token(settings: Settings, *, username: str, role: str, version: int = 0) -> str:
    """A bearer token for ``username``; ``version`` is the user's ``token_version`` at issue time."""
    expires = datetime.now(timezone.utc) + timedelta(minutes=settings.token_minutes)
    return jwt.encode({"sub": username, "role": role, "ver": version, "exp": expires}, settings.secret_key,
                      algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> tuple[str, int] | None:
    """(username, token version) of a valid, unexpired token, else None. Tokens without a version
    (issued before versions existed) are refused: their users log in once more."""
    try:
        payload = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["sub", "ver", "exp"]})
    except jwt.PyJWTError:
        return None
    username, version = payload["sub"], payload["ver"]
    if not isinstance(username, str) or not isinstance(version, int):
        return None
    return username, version
