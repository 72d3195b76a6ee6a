"""Error responses beyond the domain's: database unavailable (503), disk full (507) and
readable 422s."""

import errno
import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.logging_setup import request_id_var

log = logging.getLogger("frota.errors")

DATABASE_RETRY_AFTER_SECONDS = 5
# Lost or refused connections, waits that ran out (lock_timeout, statement_timeout, a pool's
# timeout), at SQLAlchemy's level or psycopg's (the reads on the event loop): all are a 503.
DATABASE_DOWN_ERRORS = (
    OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    PoolTimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
DATABASE_DOWN_DETAIL = "The database is unavailable; retry shortly"
DATABASE_BUSY_DETAILS = {
    psycopg.errors.LockNotAvailable: "The data is locked by another operation; retry shortly",
    psycopg.errors.QueryCanceled: "The database took too long to answer; retry shortly",
}


def database_error_detail(exc: BaseException) -> str:
    """What a client is told of a 503: a lock or statement that ran out, or an outage."""
    driver_error = getattr(exc, "orig", None) or exc
    for error, detail in DATABASE_BUSY_DETAILS.items():
        if isinstance(driver_error, error):
            return detail
    return DATABASE_DOWN_DETAIL


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    first_line = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    log.error("database unavailable (%s): %s", type(exc).__name__, first_line)
    return JSONResponse(
        {
            "detail": database_error_detail(exc),
            "request_id": request_id_var.get(),
        },
        status_code=503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
DISK_FULL_DETAIL = (
    "The server's disk is full: nothing was stored (an upload keeps the bytes it acknowledged); "
    "retry once the operator has freed space"
)


async def _disk_full(_request: Request, exc: OSError) -> JSONResponse:
    """A write that found the disk full (photos, resumable uploads, CSV spools): 507. The code
    that wrote removes its temporary file; other OS errors stay 500s."""
    if exc.errno not in DISK_FULL_ERRNOS:
        raise exc
    log.error("disk full: %s", exc)
    return JSONResponse(
        {"detail": DISK_FULL_DETAIL, "request_id": request_id_var.get()},
        status_code=507,
        headers={"Retry-After": "60"},
    )


def _field(loc: tuple, whole: str = "body") -> str:
    # ("body", "plate") -> "plate"; ("query", "limit") -> "query.limit"; () -> `whole`
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or whole


def _message(error: dict) -> str:
    return str(error.get("msg", "")).removeprefix("Value error, ")


def summarise(errors: list[dict], whole: str = "body") -> str:
    """Pydantic's errors in one line, `field: message; ...` (`whole`: what an error of the
    whole model is said to be about). The 422s' `message`, an import's line, tus metadata."""
    return "; ".join(f"{_field(tuple(e.get('loc', ())), whole)}: {_message(e)}" for e in errors)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with `loc`, `msg`, `type` per problem — never the submitted value (it may be a
    password) — and a one-line summary."""
    errors = exc.errors()
    problems = [
        {
            "loc": list(error.get("loc", ())),
            "field": _field(tuple(error.get("loc", ()))),
            "msg": _message(error),
            "type": error.get("type"),
        }
        for error in errors
    ]
    return JSONResponse({"detail": problems, "message": summarise(errors)}, status_code=422)


def install_error_responses(app: FastAPI) -> None:
    for error in DATABASE_DOWN_ERRORS:
        app.add_exception_handler(error, _database_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OSError, _disk_full)
