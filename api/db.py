"""Database plumbing: the declarative base, the ORM engine and the request session (used in the
thread pool), and the read pool (psycopg's asyncio pool, used on the event loop)."""

import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Annotated, TypeVar

import psycopg
from fastapi import Depends, Request
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import DateTime, Engine, MetaData, Select, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from api.config import ConfigError, Settings, get_settings
from api.errors import NotFound

log = logging.getLogger("frota.db")
T = TypeVar("T")
NO_DATABASE_URL = "DATABASE_URL is not set (`make run` starts an embedded PostgreSQL)"

# Stable constraint names, so services can match a refusal by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


def sqlalchemy_url(url: str) -> str:
    """Accept `postgres://`, `postgresql://` (and the old `+psycopg2`) URLs; pin psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """The same URL as libpq (and psycopg's own pool) reads it."""
    return (
        make_url(sqlalchemy_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def session_options(*, statement_timeout_ms: int, lock_timeout_ms: int) -> str:
    """libpq `options`: every wait on a statement or a lock is bounded (0: unbounded)."""
    return f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={lock_timeout_ms}"


def make_engine(
    settings: Settings,
    url: str | None = None,
    *,
    statement_timeout_ms: int | None = None,
    lock_timeout_ms: int | None = None,
    **overrides,
) -> Engine:
    """An engine with the request time-outs, or the ones given (migrations and the CLI)."""
    url = url or settings.database_url
    if not url:
        raise ConfigError(NO_DATABASE_URL)
    options = session_options(
        statement_timeout_ms=settings.db_statement_timeout_ms
        if statement_timeout_ms is None
        else statement_timeout_ms,
        lock_timeout_ms=settings.db_lock_timeout_ms if lock_timeout_ms is None else lock_timeout_ms,
    )
    kwargs = dict(
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        # Every checkout is pinged: after a database restart, a connection used moments before
        # the outage is as dead as an idle one.
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": settings.db_connect_timeout,
            "application_name": settings.db_application_name,
            "options": options,
        },
    )
    kwargs.update(overrides)
    return create_engine(sqlalchemy_url(url), **kwargs)


def make_cli_engine(settings: Settings, url: str | None = None) -> Engine:
    """For migrations and the `frota` jobs: no statement limit, a lock wait of their own."""
    return make_engine(
        settings,
        url,
        statement_timeout_ms=settings.db_cli_statement_timeout_ms,
        lock_timeout_ms=settings.db_cli_lock_timeout_ms,
        pool_size=1,
        max_overflow=0,
    )


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings())


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def get_session() -> Iterator[Session]:
    """One session per request: commit when the route succeeds, roll back when it raises.

    A plain (sync) dependency, so FastAPI enters and leaves it in the thread pool, and the
    session takes a connection only at its first statement: a request waiting for its body
    or for a thread holds none."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so that a client reading right after
# a write sees it (the default, "request", would commit only after the response went out).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# ---- the read pool: psycopg's asyncio pool, for the reads that run on the event loop -------


def make_read_pool(settings: Settings, url: str | None = None) -> AsyncConnectionPool:
    """The lists and the caller check read here, on the event loop: psycopg's asyncio pool,
    connections in autocommit, every wait bounded like the sessions'. Opened by the app's
    lifespan. Connections are not pinged when taken (`check`: a round trip more per read, -12 %
    of a worker's CPU on the lists, measured); `read` replaces one that died instead."""
    url = url or settings.database_url
    if not url:
        raise ConfigError(NO_DATABASE_URL)
    return AsyncConnectionPool(
        libpq_url(url),
        min_size=1,
        max_size=settings.db_read_pool_size,
        timeout=settings.db_pool_timeout,
        max_lifetime=settings.db_pool_recycle if settings.db_pool_recycle > 0 else 3600.0,
        open=False,
        name="frota-read",
        kwargs={
            "autocommit": True,
            "connect_timeout": settings.db_connect_timeout,
            "application_name": f"{settings.db_application_name}-read",
            "options": session_options(
                statement_timeout_ms=settings.db_statement_timeout_ms,
                lock_timeout_ms=settings.db_lock_timeout_ms,
            ),
        },
    )


async def read(request: Request, statements: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """`await statements(connection)` on a connection of this worker's read pool (made and opened
    by the lifespan, in `app.state`). Reads change nothing, so a connection that died since its
    last use (a database restart) is dropped and the read runs again on another; a database that
    is down ends in the pool's time-out (a 503)."""
    pool: AsyncConnectionPool = request.app.state.read_pool
    for attempt in range(pool.max_size + 1):
        async with pool.connection() as connection:
            try:
                return await statements(connection)
            except psycopg.OperationalError:
                if not connection.broken or attempt == pool.max_size:
                    raise
    raise AssertionError("unreachable")


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL refused with, if any."""
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def wait_for_database(engine: Engine, timeout: float) -> None:
    """Retry `SELECT 1` until the database answers (a rebooted host starts us first)."""
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except OperationalError as exc:
            if time.monotonic() >= deadline:
                raise ConfigError(
                    f"database not reachable after {timeout:.0f}s: {str(exc.orig).strip()}"
                ) from exc
            log.warning("database not ready, retrying in %.1fs", delay)
            time.sleep(delay)
            delay = min(delay * 2, 5)


def check_pool_capacity(engine: Engine, settings: Settings) -> str | None:
    """Compare every worker's pool with the server's max_connections; a message if it cannot fit."""
    with engine.connect() as conn:
        max_connections = int(conn.execute(text("SHOW max_connections")).scalar_one())
    problem = settings.check_pool_fits(max_connections)
    if problem and settings.is_production:
        raise ConfigError(problem)
    if problem:
        log.warning("%s (refused in production)", problem)
    return problem


M = TypeVar("M")


def get_or_404(
    session: Session,
    model: type[M],
    row_id: int,
    *,
    visible: Callable[[Select], Select] | None = None,
    for_update: bool = False,
) -> M:
    """The row of `model` with this id that `visible` lets the caller see, or 404 naming it
    (`Fuel entry 7 not found`: a row the caller may not see looks like one that does not exist);
    `for_update` locks it (`FOR UPDATE OF` its table) for the write that follows."""
    query = select(model).where(model.id == row_id)
    if visible is not None:
        query = visible(query)
    if for_update:
        query = query.with_for_update(of=model)
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        name = re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).capitalize()
        raise NotFound(f"{name} {row_id} not found")
    return row
