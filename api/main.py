"""The application factory: routers, error handlers, and a start-up that waits for the database."""

import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI

from api.auth.router import router as auth_router
from api.config import ConfigError, Settings, get_settings
from api.db import check_pool_capacity, get_engine, wait_for_database
from api.drivers.router import router as drivers_router
from api.errors import install_error_handlers
from api.health.router import router as health_router
from api.trips.router import router as trips_router
from api.users.router import router as users_router
from api.vehicles.router import router as vehicles_router

log = logging.getLogger("frota")


def validate_settings(settings: Settings) -> None:
    """Refuse weak production configuration; a missing SECRET_KEY is never acceptable."""
    problems = settings.weak_settings()
    if settings.is_production and problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
    if not settings.secret_key.get_secret_value():
        raise ConfigError("SECRET_KEY is not set (`make run` generates one into .data/)")
    for problem in problems:
        log.warning("configuration: %s (refused in production)", problem)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    validate_settings(settings)
    engine = get_engine()
    await anyio.to_thread.run_sync(wait_for_database, engine, settings.db_start_timeout)
    await anyio.to_thread.run_sync(check_pool_capacity, engine, settings)
    # No more threads than the pool can serve: extra ones would only queue on the pool.
    anyio.to_thread.current_default_thread_limiter().total_tokens = (
        settings.connections_per_worker
    )
    log.info("worker ready")
    yield
    engine.dispose()


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="Frota",
        version=settings.version,
        description="Self-hosted fleet management: vehicles, drivers, trips and photos.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    api = APIRouter(prefix="/api/v1")
    for router in (auth_router, users_router, vehicles_router, drivers_router, trips_router):
        api.include_router(router)
    app.include_router(api)
    app.include_router(health_router)
    return app
