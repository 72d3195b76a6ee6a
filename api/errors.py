"""Every error a client sees, in one place: the family services raise, the handlers FastAPI
calls, and `send_error` for the ASGI layers that answer before (or instead of) the app. Each
renders `{"detail": ...}` (with `request_id` for the server's own failures)."""

import errno
import logging
from collections.abc import Mapping

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.types import Receive, Scope, Send

from api.logging_setup import request_id_var

log = logging.getLogger("frota.errors")


class FrotaError(Exception):
    """A refusal the client should see, with its HTTP status."""

    status_code = 400

    def __init__(self, message: str, status_code: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers

    @property
    def body(self) -> dict:
        """The JSON the client gets (an error may say more than its message: a CSV import)."""
        return {"detail": self.message}


class BadRequest(FrotaError):
    status_code = 400


class Unauthorized(FrotaError):
    status_code = 401

    def __init__(self, message: str = "Not authenticated"):
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(FrotaError):
    status_code = 403


class NotFound(FrotaError):
    status_code = 404


class Conflict(FrotaError):
    status_code = 409


class PreconditionFailed(FrotaError):
    status_code = 412


class Invalid(FrotaError):
    """Input that is well-formed but breaks a rule (422, like request validation)."""

    status_code = 422


class PayloadTooLarge(FrotaError):
    status_code = 413


class UnsupportedMediaType(FrotaError):
    status_code = 415


class TooManyRequests(FrotaError):
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__(
            f"Too many requests; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


class InternalError(FrotaError):
    """An exception nobody handled: the client learns nothing of it but the request id."""

    status_code = 500

    def __init__(self):
        super().__init__("Internal server error")


# ---- the database: lost, refused or too slow (503) ----

DATABASE_RETRY_AFTER_SECONDS = 5
# Lost or refused connections, waits that ran out (lock_timeout, statement_timeout, a pool's
# timeout), at SQLAlchemy's level or psycopg's (the reads on the event loop): all are a 503.
DATABASE_DOWN_ERRORS = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
DATABASE_DOWN_DETAIL = "The database is unavailable; retry shortly"
DATABASE_BUSY_DETAILS = {
    psycopg.errors.LockNotAvailable: "The data is locked by another operation; retry shortly",
    psycopg.errors.QueryCanceled: "The database took too long to answer; retry shortly",
}


def database_outage(exc: BaseException) -> BaseException | None:
    """The database error anywhere in the chain, if there is one: cleanup code (a commit on a
    dead connection) may raise a second error that hides the outage; it is still a 503."""
    current: BaseException | None = exc
    for _ in range(10):
        if current is None:
            return None
        if isinstance(current, DATABASE_DOWN_ERRORS):
            return current
        current = current.__cause__ or current.__context__
    return None


class DatabaseUnavailable(FrotaError):
    status_code = 503

    def __init__(self, cause: BaseException):
        driver_error = getattr(cause, "orig", None) or cause
        detail = next(
            (
                text
                for error, text in DATABASE_BUSY_DETAILS.items()
                if isinstance(driver_error, error)
            ),
            DATABASE_DOWN_DETAIL,
        )
        super().__init__(detail, headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


# ---- the disk (507) ----

DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
DISK_FULL_DETAIL = (
    "The server's disk is full: nothing was stored (an upload keeps the bytes it acknowledged); "
    "retry once the operator has freed space"
)


class DiskFull(FrotaError):
    status_code = 507

    def __init__(self):
        super().__init__(DISK_FULL_DETAIL, headers={"Retry-After": "60"})


# ---- readable 422s ----


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


# ---- rendering ----


def error_response(
    exc: FrotaError, *, headers: Mapping[str, str] | None = None, **fields
) -> JSONResponse:
    """The error's body (`{"detail": message}`) and `fields`, with its status and headers (and
    `headers`)."""
    return JSONResponse(
        {**exc.body, **fields},
        status_code=exc.status_code,
        headers={**(exc.headers or {}), **(headers or {})},
    )


async def send_error(
    scope: Scope,
    receive: Receive,
    send: Send,
    exc: FrotaError,
    *,
    headers: Mapping[str, str] | None = None,
    **fields,
) -> None:
    """The JSON error of `exc`, from an ASGI layer that answers before or instead of the app."""
    await error_response(exc, headers=headers, **fields)(scope, receive, send)


def server_error(exc: BaseException) -> FrotaError:
    """What the client is told of an exception nobody handled: 503 for the database, else 500."""
    outage = database_outage(exc)
    return InternalError() if outage is None else DatabaseUnavailable(outage)


async def _refusal(_request: Request, exc: FrotaError) -> JSONResponse:
    return error_response(exc)


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    first_line = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    log.error("database unavailable (%s): %s", type(exc).__name__, first_line)
    return error_response(DatabaseUnavailable(exc), request_id=request_id_var.get())


async def _disk_full(_request: Request, exc: OSError) -> JSONResponse:
    """A write that found the disk full (photos, resumable uploads, CSV spools): 507. The code
    that wrote removes its temporary file; other OS errors stay 500s."""
    if exc.errno not in DISK_FULL_ERRNOS:
        raise exc
    log.error("disk full: %s", exc)
    return error_response(DiskFull(), request_id=request_id_var.get())


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


def install_error_handlers(app: FastAPI) -> None:
    """Every exception handler of the app. What still escapes them (a bug, an outage seen in
    cleanup code) is answered by the request middleware with `server_error`."""
    app.add_exception_handler(FrotaError, _refusal)
    for error in DATABASE_DOWN_ERRORS:
        app.add_exception_handler(error, _database_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OSError, _disk_full)
