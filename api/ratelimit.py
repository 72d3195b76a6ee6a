"""Rate limits (PRODUCT.md): the `limits` package's fixed windows on Redis, so that all workers
share one budget.

Budgets: RATE_LIMIT per user when the bearer token is valid, per client IP otherwise;
LOGIN_RATE_LIMIT per IP for every login attempt and per account for failed ones;
FILE_RATE_LIMIT per IP for photo files (signed URLs, no token); /health and /metrics exempt.
The client IP is scope["client"], which uvicorn takes from X-Forwarded-For only when the peer
is listed in FORWARDED_ALLOW_IPS. When Redis fails, requests are served (fail open).

The middleware counts on the event loop with the synchronous client: one Redis round trip on
the local network (~0.1 ms) costs less CPU than redis-py's asyncio client (measured: 89 µs
against 155 µs per count; on the 2-core bench machine, CPU is the limit). A Redis that stops
answering blocks a worker's loop for at most REDIS_TIMEOUT_SECONDS, after which the breaker skips
Redis for BREAKER_SECONDS (requests are served without limits meanwhile). Without Redis the
counters are `limits`' own in-memory storage (one worker's).
"""

import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from api import metrics
from api.actor import current_user_id
from api.config import Settings
from api.errors import TooManyRequests, Unauthorized, send_error
from api.middleware import ROUTE_LABEL
from api.security import bearer_token, token_claims

log = logging.getLogger("frota.ratelimit")

LOGIN_PATH = "/api/v1/auth/login"
# Photo files (a gallery is one request per thumbnail) and the panel's cached assets.
FILE_PATH = re.compile(r"^/api/v1/photos/[^/]+/(file|thumbnail)$|^/panel/assets/")
EXEMPT_PATHS = frozenset({"/health", "/health/detailed", "/metrics"})
RATE_LIMITED_ROUTE = "<rate-limited>"  # the route label of refusals made before routing
REDIS_TIMEOUT_SECONDS = 0.25
BREAKER_SECONDS = 5.0  # after a storage failure, skip the storage for this long
ERROR_LOG_EVERY_SECONDS = 30.0


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


class RateLimits:
    """The budgets, counted in fixed windows, with a circuit breaker around the storage."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.backend = "redis" if settings.redis_url else "memory"
        options = {}
        if settings.redis_url:
            options = {
                "key_prefix": settings.rate_limit_prefix,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            }
        self.storage = storage_from_string(settings.redis_url or "memory://", **options)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.default = parse(settings.rate_limit)
        self.files = parse(settings.file_rate_limit)
        self.login = parse(settings.login_rate_limit)
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self._skip_until = 0.0
        self._logged_at = 0.0
        self._lock = threading.Lock()

    # ---- storage calls, failing open ----

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.last_error_at = time.time()
            self._skip_until = now + BREAKER_SECONDS
            should_log, self._logged_at = now - self._logged_at > ERROR_LOG_EVERY_SECONDS, now
        if should_log:
            log.error(
                "rate-limit storage (%s) failed, serving without limits: %s",
                self.backend,
                self.last_error,
            )

    def _usable(self) -> bool:
        return time.monotonic() >= self._skip_until

    def hit(self, item: RateLimitItem, bucket: str, ident: str) -> int | None:
        """Count one request; the seconds to wait when over the budget, else None."""
        if not self._usable():
            return None
        strategy = self.strategy
        try:
            if strategy.hit(item, bucket, ident):
                return None
            reset_at = strategy.get_window_stats(item, bucket, ident).reset_time
        except Exception as exc:  # noqa: BLE001 - any storage failure means: fail open
            self._storage_failed(exc)
            return None
        metrics.RATE_LIMITED.labels(bucket).inc()
        return max(1, math.ceil(reset_at - time.time()))

    def over(self, item: RateLimitItem, bucket: str, ident: str) -> int | None:
        """Without counting: the seconds to wait when the budget is spent, else None."""
        if not self._usable():
            return None
        strategy = self.strategy
        try:
            if strategy.test(item, bucket, ident):
                return None
            reset_at = strategy.get_window_stats(item, bucket, ident).reset_time
        except Exception as exc:  # noqa: BLE001
            self._storage_failed(exc)
            return None
        metrics.RATE_LIMITED.labels(bucket).inc()
        return max(1, math.ceil(reset_at - time.time()))

    def status(self) -> dict:
        """For /health/detailed: backend, reachability now, the last failure."""
        state: dict = {"backend": self.backend}
        try:
            state["status"] = "ok" if self.storage.check() else "down"
        except Exception as exc:  # noqa: BLE001
            state["status"] = "down"
            state["error"] = f"{type(exc).__name__}: {exc}"
        if self.last_error:
            state["last_error"] = self.last_error
            state["last_error_at"] = time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.last_error_at or 0)
            )
        return state

    # ---- who is asking ----

    def user_of(self, scope: Scope) -> int | None:
        """The user id of a valid bearer token (no database query: the account is checked by
        the route's dependency, after this budget)."""
        token = bearer_token(_authorization(scope))
        if token is None:
            return None
        try:
            return int(token_claims(token, self.settings)["sub"])
        except Unauthorized:
            return None


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS


def _authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


class RateLimitMiddleware:
    """Pure ASGI: picks the budget by path and caller, answers 429 with Retry-After."""

    def __init__(self, app: ASGIApp, rate_limits: RateLimits):
        self.app = app
        self.limits = rate_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        path, ip = scope["path"], _client_ip(scope)
        limits = self.limits
        if path == LOGIN_PATH and scope["method"] == "POST":
            retry_after = limits.hit(limits.login, "login-ip", ip)
        elif FILE_PATH.match(path):
            retry_after = limits.hit(limits.files, "file-ip", ip)
        else:
            user = limits.user_of(scope)
            if user is not None:
                current_user_id.set(user)  # the access log's user, even of a refusal
                retry_after = limits.hit(limits.default, "user", str(user))
            else:
                retry_after = limits.hit(limits.default, "ip", ip)
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        scope[ROUTE_LABEL] = RATE_LIMITED_ROUTE
        await send_error(scope, receive, send, TooManyRequests(retry_after))


def _account_key(email: str) -> str:
    # Hashed: Redis holds no e-mail addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def login_attempts(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Iterator[None]:
    """Per-account lock-out: LOGIN_RATE_LIMIT failed logins per account, whatever the IP."""
    rate_limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    if rate_limits is None:
        yield
        return
    account = _account_key(form.username)
    retry_after = rate_limits.over(rate_limits.login, "login-account", account)
    if retry_after is not None:
        log.warning("login refused: too many failed attempts for one account")
        raise TooManyRequests(retry_after)
    try:
        yield
    except Unauthorized:
        rate_limits.hit(rate_limits.login, "login-account", account)
        raise


LoginAttempts = Depends(login_attempts)
