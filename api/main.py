"""The application factory: routers, error handlers, and a start-up that waits for the database."""

import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from api import metrics
from api.audit import recorder as audit_recorder
from api.audit.router import router as audit_router
from api.auth.router import router as auth_router
from api.config import ConfigError, Settings, get_settings
from api.db import get_engine, make_read_pool, wait_for_database
from api.db_monitor import install_pool_monitor, install_slow_query_log
from api.docs.router import ASSETS as docs_assets_path
from api.docs.router import assets as docs_assets
from api.docs.router import router as docs_router
from api.documents.router import router as documents_router
from api.drivers.router import router as drivers_router
from api.due.router import router as due_router
from api.errors import install_error_handlers
from api.events import recorder as event_recorder
from api.fines.router import router as fines_router
from api.fuel.router import router as fuel_router
from api.health import service as health_service
from api.health.router import router as health_router
from api.inspections.router import router as inspections_router
from api.logging_setup import ensure_logging
from api.maintenance.router import router as maintenance_router
from api.middleware import RequestContextMiddleware, RouteTemplates
from api.notifications.router import router as notifications_router
from api.panel.router import router as panel_router
from api.photos.router import router as photos_router
from api.photos.upload_limit import UploadSizeLimit
from api.ratelimit import RateLimitMiddleware, RateLimits
from api.reports.router import router as reports_router
from api.trips.router import router as trips_router
from api.uploads import tus
from api.uploads.router import router as uploads_router
from api.users.router import router as users_router
from api.vehicles.router import router as vehicles_router
from api.webhooks.router import router as webhooks_router

log = logging.getLogger("frota")
API_PREFIX = "/api/v1"


def validate_settings(settings: Settings, *, announce: bool = True) -> None:
    """Refuse weak production configuration; a missing SECRET_KEY is never acceptable.
    `announce`: log the warnings (the parent process does, once; its workers only check)."""
    invalid = settings.invalid_settings()
    if invalid:
        raise ConfigError("invalid configuration: " + "; ".join(invalid))
    problems = settings.weak_settings()
    if settings.is_production and problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
    if not settings.secret_key.get_secret_value():
        raise ConfigError("SECRET_KEY is not set (`make run` generates one into .data/)")
    if not announce:
        return
    for problem in problems:
        log.warning("configuration: %s (refused in production)", problem)
    for notice in settings.notices():
        log.warning("configuration: %s", notice)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    # `frota serve` checked and announced everything once before starting the workers.
    validate_settings(settings, announce=False)
    log.info("configuration checked (%s)", settings.environment)
    engine = get_engine()
    await run_in_threadpool(wait_for_database, engine, settings.db_start_timeout)
    log.info("database reachable")
    install_pool_monitor(engine, settings)
    install_slow_query_log(engine, settings.slow_query_ms)
    log.info(
        "pools: %s + %s overflow for sessions, %s for reads, per worker",
        settings.db_pool_size,
        settings.db_max_overflow,
        settings.db_read_pool_size,
    )
    app.state.read_pool = make_read_pool(settings)
    await app.state.read_pool.open(wait=False)
    log.info("rate limits counted in %s", "Redis" if settings.redis_url else "memory")
    # What the worker loaded lives as long as it does: out of the collector's sight, so that a
    # full collection scans only what requests allocate (shorter pauses). Once per process: an
    # object frozen is never collected, and tests start the app many times in one process.
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
    log.info("worker ready")
    yield
    # Uvicorn has stopped accepting and waited for requests in flight (GRACEFUL_TIMEOUT).
    log.info("worker stopping: closing the database pools")
    await app.state.read_pool.close()
    engine.dispose()
    health_service.dispose_probe_engine()
    metrics.mark_this_worker_dead()
    log.info("worker stopped")


def create_app() -> FastAPI:
    settings = get_settings()
    ensure_logging(settings.log_level)
    app = FastAPI(
        title="Frota",
        version=settings.version,
        description="Self-hosted fleet management: vehicles, drivers, trips and photos.",
        lifespan=lifespan,
        # Served by api/docs with vendored assets, never from a CDN.
        docs_url=None,
        redoc_url=None,
        # Metrics and logs are our own (Prometheus, JSON lines); FastAPI's OpenTelemetry hooks
        # would look the providers up in os.environ on every request (~10 % of a worker's CPU).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_error_handlers(app)
    audit_recorder.install()  # every write of every session is logged (api/audit)
    event_recorder.install()  # and the changes that others are told of (api/events)
    routes = RouteTemplates()  # the route label of logs and metrics
    # First: /health is matched before the API's routes (uptime probes and benchmarks hit it).
    app.include_router(health_router)
    routes.include(health_router)
    # Flat (one level of inclusion less to match through), the hot lists' routers first:
    # routes are matched in order, and their prefixes never overlap.
    for router in (
        vehicles_router,
        trips_router,
        photos_router,
        drivers_router,
        fuel_router,
        maintenance_router,
        documents_router,
        due_router,
        reports_router,
        inspections_router,
        fines_router,
        audit_router,
        notifications_router,
        users_router,
        auth_router,
        uploads_router,
        webhooks_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
        routes.include(router, API_PREFIX)
    for router in (panel_router, docs_router):
        app.include_router(router)
        routes.include(router)
    app.mount(docs_assets_path, docs_assets)
    routes.mount(docs_assets_path)
    # Outermost last: request context (ids, logs, metrics, headers) > CORS > rate limits.
    app.state.rate_limits = RateLimits(settings)
    # Innermost: bodies are counted as the route reads them; 413 once past MAX_UPLOAD_MB.
    app.add_middleware(UploadSizeLimit, max_upload_mb=settings.max_upload_mb)
    app.add_middleware(tus.TusHeaders)
    app.add_middleware(RateLimitMiddleware, rate_limits=app.state.rate_limits)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Request-ID",
                *tus.REQUEST_HEADERS,
            ],
            expose_headers=["X-Request-ID", "Retry-After", *tus.RESPONSE_HEADERS],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, settings=settings, routes=routes)
    return app
