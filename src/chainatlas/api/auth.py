"""Who is asking: credentials, signed login tokens, and the scope every request reads under.

With no user in the atlas's user store the server runs in **single-user local mode**: every request is the local
admin with the whole region (``chainatlas serve`` then listens on 127.0.0.1 only). Once a user exists, every API
request needs a credential — an API key (``X-API-Key: ca_…``, from ``chainatlas users add|rotate-key``) or a
signed login token (``Authorization: Bearer …`` from ``POST /api/login``, OAuth2 password flow, HS256 with a key
kept in the user store, valid ``token_hours``). A token carries the user's key version: disabling the user or
changing their key, password, role or jurisdiction ends it at once. The UI's files and ``/api/login`` need none.

:class:`AuthMiddleware` runs before the answer cache (:class:`~chainatlas.api.cache.FastPath`), so a cached answer
is never served without a check, and it wraps the request in :func:`chainatlas.pipeline.query.scoped`: every
read of entity-level records under the request is restricted to the user's jurisdiction (the cache keys carry
the scope, see :func:`chainatlas.api.cache.url_key`).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from chainatlas import config
from chainatlas.api.render import error_body, render
from chainatlas.errors import AccessError, AuthError
from chainatlas.model.access import LOCAL, Principal
from chainatlas.pipeline import query
from chainatlas.storage.audit import AuditLog
from chainatlas.storage.users import User, UserStore

__all__ = ["PUBLIC_API", "AuthMiddleware", "Authenticator", "is_public", "principal_of", "require"]

#: API paths answered without a credential: the sign-in, what the sign-in page needs to know, and the input
#: templates (documentation without data, linked from the data page as plain downloads)
PUBLIC_API = frozenset({"/api/login", "/api/auth", "/api/templates"})


def is_public(path: str) -> bool:
    """Whether an API path needs no credential."""
    return path in PUBLIC_API or path.startswith("/api/templates/")


_ALGORITHM = "HS256"
#: how long a verified credential is trusted before the user store is looked at again (seconds)
_RECHECK = 2.0
#: requests the audit log records (besides every refusal): entity-level reads, exports, and every change
_AUDITED = (
    (re.compile(r"^/api/entities(/|$)"), "read_entities"),
    (re.compile(r"^/api/analytics/topics/actors$"), "read_entities"),
    (re.compile(r"^/api/uploads/[^/]+/load$"), "load"),
    (re.compile(r"^/api/uploads"), "upload"),
    (re.compile(r"^/api/login$"), "login"),
)
#: a query parameter asking for a file: an export
_EXPORT = re.compile(r"(^|&)(format|download)=")


def audit_action(method: str, path: str, query_string: str) -> str | None:
    """What the audit log calls a request, or None when it records nothing for it."""
    if method not in ("GET", "HEAD"):
        for pattern, action in _AUDITED[2:]:
            if pattern.match(path):
                return action
        return "change" if path.startswith("/api/") else None
    for pattern, action in _AUDITED[:2]:
        if pattern.match(path):
            return action
    if path.startswith("/api/") and (_EXPORT.search(query_string) or path.startswith("/api/templates/")):
        return "export" if not path.startswith("/api/templates/") else None
    return None


def principal_of(scope: dict) -> Principal:
    """The principal :class:`AuthMiddleware` put on the request (the local admin when no middleware ran)."""
    return scope.get("state", {}).get("principal", LOCAL)


class Authenticator:
    """Checks credentials against a :class:`UserStore`, remembering verified ones until the store changes.

    An Argon2 check costs tens of milliseconds by design; a key or token seen before is trusted again for as
    long as the store's ``version`` stays the same (looked at most every :data:`_RECHECK` seconds).
    """

    def __init__(self, store: UserStore):
        self.store = store
        self._lock = threading.Lock()
        self._seen: dict[str, User] = {}
        self._version = -1
        self._active = False
        self._checked = 0.0

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < _RECHECK:
            return
        version = self.store.version
        with self._lock:
            if version != self._version:
                self._seen.clear()
                self._version = version
                self._active = self.store.active()
            self._checked = now

    @property
    def active(self) -> bool:
        """Whether users exist (then credentials are required)."""
        self._refresh()
        return self._active

    def invalidate(self) -> None:
        """Forget verified credentials and look at the store on the next request."""
        with self._lock:
            self._checked = 0.0
            self._version = -1

    # ------------------------------------------------------------------------------------------ tokens
    def issue(self, user: User) -> tuple[str, int]:
        """A signed token for ``user`` and its lifetime in seconds."""
        import jwt

        ttl = int(float(config.get("token_hours")) * 3600)
        now = int(time.time())
        claims = {
            "sub": user.name,
            "role": user.role,
            "jur": user.jurisdiction,
            "kv": user.key_version,
            "iat": now,
            "exp": now + ttl,
        }
        return jwt.encode(claims, self.store.signing_key(), algorithm=_ALGORITHM), ttl

    def login(self, name: str, password: str) -> User:
        """The user whose name and password these are (AuthError otherwise, the same for every cause)."""
        user = self.store.check_password(name, password)
        if user is None:
            raise AuthError("unknown user name or wrong password (or the user is disabled)")
        return user

    # ------------------------------------------------------------------------------------------ requests
    def principal(self, headers: dict[bytes, bytes]) -> Principal:
        """The principal of a request's headers; AuthError without a valid credential."""
        key = headers.get(b"x-api-key")
        auth = headers.get(b"authorization", b"")
        if key:
            return self._cached("k", key.decode("latin-1"), self._by_key)
        if auth[:7].lower() == b"bearer ":
            return self._cached("t", auth[7:].decode("latin-1").strip(), self._by_token)
        raise AuthError(
            "this atlas has users: sign in (POST /api/login), or send an API key in the X-API-Key header"
        )

    def _cached(self, kind: str, credential: str, check: Any) -> Principal:
        self._refresh()
        digest = kind + hashlib.sha256(credential.encode("utf-8", "replace")).hexdigest()
        user = self._seen.get(digest)
        if user is None:
            user = check(credential)
            with self._lock:
                if len(self._seen) > 10_000:
                    self._seen.clear()
                self._seen[digest] = user
        if kind == "t":  # a remembered token still expires
            self._check_expiry(credential)
        return user.principal

    def _by_key(self, key: str) -> User:
        user = self.store.check_key(key)
        if user is None:
            raise AuthError("the API key is not valid (unknown, replaced, or its user is disabled)")
        return user

    def _by_token(self, token: str) -> User:
        import jwt

        try:
            claims = jwt.decode(
                token, self.store.signing_key(), algorithms=[_ALGORITHM], options={"require": ["exp", "sub"]}
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the login token has expired; sign in again") from None
        except jwt.PyJWTError:
            raise AuthError("the login token is not valid; sign in again") from None
        user = self.store.get(str(claims["sub"]))
        if user is None or user.disabled or user.key_version != claims.get("kv"):
            raise AuthError(
                "the login token is no longer valid (the user changed or was disabled); sign in again"
            )
        return user

    @staticmethod
    def _check_expiry(token: str) -> None:
        import jwt

        try:
            exp = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
        except jwt.PyJWTError:
            raise AuthError("the login token is not valid; sign in again") from None
        if exp < time.time():
            raise AuthError("the login token has expired; sign in again")


class AuthMiddleware:
    """ASGI middleware: the principal of every HTTP request, 401 without a valid credential where one is needed,
    403 for a user without a jurisdiction, and the request's reads scoped to the jurisdiction."""

    def __init__(self, app: Any, auth: Authenticator, audit: AuditLog | None = None):
        self.app = app
        self.auth = auth
        self.audit = audit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        needs = path.startswith("/api/") and not is_public(path)
        try:
            if not self.auth.active or "chainatlas.internal" in scope.get("extensions", {}):
                principal = LOCAL
            elif needs or self._has_credential(scope):
                principal = self.auth.principal(dict(scope["headers"]))
            else:
                principal = Principal("anonymous", "viewer", None)
        except AuthError as exc:
            await self._deny(scope, send, 401, "Unauthorized", str(exc))
            return
        if needs and principal.scope is None:
            await self._deny(
                scope,
                send,
                403,
                "Forbidden",
                f"user {principal.name!r} has no jurisdiction yet; an administrator sets one "
                "(`chainatlas users set NAME --jurisdiction CODE`)",
            )
            return
        scope.setdefault("state", {})["principal"] = principal
        action = audit_action(scope["method"], path, scope.get("query_string", b"").decode("latin-1"))
        if "chainatlas.internal" in scope.get("extensions", {}):
            action = None  # the server's own prewarm reads are not anyone's reads
        if self.audit is None or action is None:
            with query.scoped(principal.scope or LOCAL.scope):  # type: ignore[arg-type]
                await self.app(scope, receive, send)
            return
        status = 500

        async def watch(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            with query.scoped(principal.scope or LOCAL.scope):  # type: ignore[arg-type]
                await self.app(scope, receive, watch)
        finally:
            actor = scope["state"].get("signed_in", principal.name)
            self._record(scope, action, actor, status)

    def _record(self, scope: dict, action: str, actor: str, status: int) -> None:
        """One audit record: who, what (the path and its query parameters, secrets hidden), the HTTP status."""
        if self.audit is None:
            return
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        result = "ok" if status < 400 else "denied" if status in (401, 403) else "error"
        self.audit.append(
            action if status < 400 or action != "login" else "login_failed",
            actor=actor,
            resource=f"{scope['method']} {scope['path']}",
            parameters=params,
            result=f"{result} {status}",
        )

    @staticmethod
    def _has_credential(scope: dict) -> bool:
        headers = dict(scope["headers"])
        return b"x-api-key" in headers or headers.get(b"authorization", b"")[:7].lower() == b"bearer "

    async def _deny(self, scope: dict, send: Any, status: int, kind: str, message: str) -> None:
        self._record(scope, "unauthorised" if status == 401 else "forbidden", "anonymous", status)
        body = render(error_body(status, kind, message))
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="chainatlas"'))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def require(principal: Principal, action: str) -> None:
    """AccessError (403) unless ``principal`` may do ``action`` (:meth:`Principal.may`)."""
    if not principal.may(action):
        what = {
            "upload": "upload and validate files",
            "load": "load data into the atlas",
            "manage": "manage users",
        }
        raise AccessError(
            f"user {principal.name!r} ({principal.role}) may not {what.get(action, action)}; ask an administrator"
        )
