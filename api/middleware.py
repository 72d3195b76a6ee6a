"""The outermost layer of every request: request id, access log, metrics, security headers and
the JSON 500. Pure ASGI (no BaseHTTPMiddleware), so that the hot path stays cheap."""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from api.actor import current_user_id
from api.config import Settings
from api.errors import send_error, server_error
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


ROUTE_LABEL = "frota.route"  # a scope key: the label of a request answered before routing


class RouteTemplates:
    """The full template of each route (`/api/v1/vehicles/{vehicle_id}`), never the raw path.

    Starlette puts the matched route in `scope["route"]`; FastAPI keeps an included router
    whole, so that route's `path` lacks the prefix it was included with. `create_app` records
    every (prefix, router) it includes; a route added on the app itself carries its full path."""

    def __init__(self):
        # By id: routes compare by value and are unhashable; each entry keeps its route alive.
        self._templates: dict[int, tuple[object, str]] = {}
        self._mounts: list[str] = []

    def include(self, router, prefix: str = "") -> None:
        for route in router.routes:
            self._templates[id(route)] = (route, prefix + route.path)

    def mount(self, path: str) -> None:
        """A mounted app (static files): its requests are labelled `<path>/{path}`."""
        self._mounts.append(path)

    def of(self, scope: Scope) -> str:
        label = scope.get(ROUTE_LABEL)
        if label:
            return label
        route = scope.get("route")
        if route is not None:
            known = self._templates.get(id(route))
            if known is not None and known[0] is route:
                return known[1]
            return getattr(route, "path_format", None) or route.path
        path = scope["path"]
        for mount in self._mounts:
            if path.startswith(mount + "/"):
                return mount + "/{path}"
        return UNMATCHED_ROUTE


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if SANE_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, routes: RouteTemplates | None = None):
        self.app = app
        self.routes = routes or RouteTemplates()
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
        user_context = current_user_id.set(None)  # set once the caller's token is checked
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
            error = server_error(exc)
            status = error.status_code
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not response_started:
                await send_error(scope, receive, send_with_headers, error, request_id=request_id)
        finally:
            self._record(scope, status, time.perf_counter() - started_at)
            request_id_var.reset(context)
            current_user_id.reset(user_context)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = self.routes.of(scope)
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
                "user_id": current_user_id.get(),
            },
        )
