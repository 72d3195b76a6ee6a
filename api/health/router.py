from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.health import service

router = APIRouter(tags=["health"])


@router.api_route("/health", methods=["GET", "HEAD"], include_in_schema=True)
def health() -> JSONResponse:
    """Liveness for uptime monitors: 200 when the database answers, 503 when it does not."""
    ok = service.database_answers()
    if ok:
        return JSONResponse({"status": "ok"})
    return JSONResponse(
        {"status": "unavailable", "detail": "database not reachable"},
        status_code=503,
        headers={"Retry-After": "5"},
    )
