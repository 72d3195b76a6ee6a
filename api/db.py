"""Database plumbing: the declarative base, one engine per process, the request session."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from functools import lru_cache
from typing import Annotated
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends
from sqlalchemy import DateTime, Engine, MetaData, create_engine, func, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from api.config import ConfigError, Settings, get_settings

log = logging.getLogger("frota.db")

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
    """Accept `postgres://` and `postgresql://` URLs and pin the psycopg2 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def make_engine(settings: Settings, url: str | None = None, **overrides) -> Engine:
    url = url or settings.database_url
    if not url:
        raise ConfigError("DATABASE_URL is not set (`make run` starts an embedded PostgreSQL)")
    options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    kwargs = dict(
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        # Every checkout is pinged: after a database restart, a connection used moments before
        # the outage is as dead as an idle one (an idle-only ping let the first request after a
        # restart fail with 503 in the compose e2e).
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": settings.db_connect_timeout,
            "application_name": settings.db_application_name,
            "options": options,
        },
    )
    kwargs.update(overrides)
    return create_engine(sqlalchemy_url(url), **kwargs)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings())


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


_admissions: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()


def admission() -> asyncio.Semaphore:
    """This worker's sessions: as many as its pool has connections, but the read connection."""
    loop = asyncio.get_running_loop()
    if loop not in _admissions:
        _admissions[loop] = asyncio.Semaphore(get_settings().sessions_per_worker)
    return _admissions[loop]


# ---- the read connection ----------------------------------------------------------------------
# The hot lists read on the event loop, one at a time per worker (a read never awaits), so one
# connection serves them all: taken from the pool once (pinged then) and kept, instead of a
# checkout, a ping and a check-in per request. A connection found dead is replaced and the read
# retried once (reads change nothing); one older than DB_POOL_RECYCLE is replaced too.

_read_connections: WeakKeyDictionary[asyncio.AbstractEventLoop, tuple] = WeakKeyDictionary()


def read_connection():
    """This worker's read connection (DBAPI, autocommit), checked out on first use."""
    loop = asyncio.get_running_loop()
    held = _read_connections.get(loop)
    if held is not None:
        pooled, since = held
        recycle = get_settings().db_pool_recycle
        if not pooled.dbapi_connection.closed and (
            recycle < 0 or time.monotonic() - since < recycle
        ):
            return pooled.dbapi_connection
        drop_read_connection()
    pooled = get_engine().raw_connection()  # sessions leave one pool connection free for it
    pooled.dbapi_connection.autocommit = True
    _read_connections[loop] = (pooled, time.monotonic())
    return pooled.dbapi_connection


def drop_read_connection() -> None:
    """Give the read connection back to the pool (a dead one is discarded); at a worker's stop
    or when it failed."""
    held = _read_connections.pop(asyncio.get_running_loop(), None)
    if held is None:
        return
    pooled = held[0]
    try:
        if pooled.dbapi_connection.closed:
            pooled.invalidate()
        else:
            pooled.dbapi_connection.autocommit = False
    finally:
        pooled.close()


def _finish(session: Session, succeeded: bool) -> None:
    try:
        if succeeded:
            session.commit()
        else:
            session.rollback()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


async def get_session() -> AsyncIterator[Session]:
    """One session per request: commit when the route succeeds, roll back when it raises.

    No more sessions per worker than the pool has connections, admitted here on the event loop:
    a request that holds a connection may wait for a thread, but a thread never waits for a
    connection, so the two cannot deadlock (the thread limiter is sized to the pool). The commit
    runs on a thread outside that limiter, as FastAPI does for the exit of sync dependencies."""
    async with admission():
        session = get_sessionmaker()()
        try:
            yield session
        except Exception:
            await anyio.to_thread.run_sync(_finish, session, False, limiter=CapacityLimiter(1))
            raise
        if session.in_transaction():
            await anyio.to_thread.run_sync(_finish, session, True, limiter=CapacityLimiter(1))
        else:
            session.close()  # nothing begun (or the read path ended it): no I/O left


# scope="function": commit before the response is sent, so that a client reading right after
# a write sees it (the default, "request", would commit only after the response went out).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


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
