"""The outermost layer of every request: request id, access log, metrics, security headers and
the JSON 500. Pure ASGI (no BaseHTTPMiddleware), so that the hot path stays cheap."""

import logging
import re
import time
import uuid

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from api.config import Settings
from api.error_responses import (
    DATABASE_DOWN_ERRORS,
    DATABASE_RETRY_AFTER_SECONDS,
    database_error_detail,
)
from api.logging_setup import request_id_var

log = logging.getLogger("frota.errors")
access_log = logging.getLogger("frota.access")

SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED_ROUTE = "<unmatched>"
# Uptime probes (and benchmarks of them) would flood the access log: DEBUG unless they fail.
QUIET_PATHS = ("/health",)

JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc: their own files (api/docs), an inline start-up script, ReDoc's worker.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'"
)
# The web panel: its own files only; photos through signed URLs on the same origin.
PANEL_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
DOCS_PATHS = ("/docs", "/redoc")
_JSON_CSP, _DOCS_CSP, _PANEL_CSP = (p.encode() for p in (JSON_CSP, DOCS_CSP, PANEL_CSP))


def route_template(scope: Scope) -> str:
    """The matched route's template (`/api/v1/vehicles/{vehicle_id}`), never the raw path."""
    # Recent FastAPI keeps included routers whole: the full template is in its route context.
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    template = getattr(context, "path", None) or scope.get("frota.route")
    if not template:
        route = scope.get("route")
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template or UNMATCHED_ROUTE


def _database_unavailable(exc: BaseException) -> bool:
    """A lost database connection anywhere in the chain: cleanup code (a commit on a dead
    connection) may raise a second error that hides the outage; it is still a 503."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, DATABASE_DOWN_ERRORS):
            return True
        current, seen = current.__cause__ or current.__context__, seen + 1
    return False


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if SANE_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if settings.is_production:
            common.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.common_headers = common
        self.common_names = {name for name, _ in common}

    @staticmethod
    def _csp(path: str) -> bytes:
        if path.startswith(DOCS_PATHS):
            return _DOCS_CSP
        if path.startswith("/panel"):
            return _PANEL_CSP
        return _JSON_CSP

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        request_id = _request_id(scope)
        context = request_id_var.set(request_id)
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", request_id.encode()))
                for name, value in self.common_headers:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", self._csp(scope["path"])))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            status = 503 if _database_unavailable(exc) else 500
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not response_started:
                detail = database_error_detail(exc) if status == 503 else "Internal server error"
                body = orjson.dumps({"detail": detail, "request_id": request_id})
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                if status == 503:
                    headers.append((b"retry-after", str(DATABASE_RETRY_AFTER_SECONDS).encode()))
                await send_with_headers(
                    {"type": "http.response.start", "status": status, "headers": headers}
                )
                await send_with_headers({"type": "http.response.body", "body": body})
        finally:
            self._record(scope, status, time.perf_counter() - started_at)
            request_id_var.reset(context)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        method = scope["method"]
        metrics.observe_request(method, route, status, seconds)
        level = logging.INFO
        if status >= 500:
            level = logging.ERROR
        elif scope["path"] in QUIET_PATHS and status < 400:
            level = logging.DEBUG
        if not access_log.isEnabledFor(level):
            return
        client = scope.get("client")
        user_id = scope.get("frota.user_id") or (scope.get("state") or {}).get("user_id")
        access_log.log(
            level,
            "%s %s %s",
            method,
            scope["path"],
            status,
            extra={
                "method": method,
                "route": route,
                "path": scope["path"],  # never the query string: signed URLs carry secrets
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "client_ip": client[0] if client else None,
                "user_id": int(user_id) if str(user_id or "").isdigit() else None,
            },
        )
