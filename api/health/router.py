import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api import metrics
from api.deps import AdminActor, SettingsDep
from api.errors import NotFound, Unauthorized
from api.health import service

router = APIRouter(tags=["health"])

_OK = b'{"status":"ok"}'
_DOWN = b'{"status":"unavailable","detail":"database not reachable"}'


@router.api_route("/health", methods=["GET", "HEAD"])
async def health() -> Response:
    """Liveness for uptime monitors: 200 when the database answers, 503 when it does not."""
    if await service.database_answers():
        return Response(_OK, media_type="application/json")
    return Response(
        _DOWN, status_code=503, media_type="application/json", headers={"Retry-After": "5"}
    )


@router.get("/health/detailed")
def health_detailed(request: Request, _admin: AdminActor, settings: SettingsDep) -> JSONResponse:
    """Database, pool, Redis, disk, backups, pruning, uptime: `ok`, `degraded` or `unhealthy`."""
    rate_limits = getattr(request.app.state, "rate_limits", None)
    report, status_code = service.detailed_status(
        settings, rate_limits, request.app.state.read_pool
    )
    return JSONResponse(report, status_code=status_code)


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text format; needs `Authorization: Bearer $METRICS_TOKEN`."""
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not expected:
        raise NotFound("Not Found")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        raise Unauthorized("Send `Authorization: Bearer <METRICS_TOKEN>`")
    body, content_type = metrics.render(service.scraped_families())
    return Response(body, media_type=content_type)
