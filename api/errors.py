"""The error family services raise, and the one handler that renders `{"detail": ...}`."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class FrotaError(Exception):
    """A refusal the client should see, with its HTTP status."""

    status_code = 400

    def __init__(self, message: str, status_code: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers


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


class Invalid(FrotaError):
    """Input that is well-formed but breaks a rule (422, like request validation)."""

    status_code = 422


class PayloadTooLarge(FrotaError):
    status_code = 413


class UnsupportedMediaType(FrotaError):
    status_code = 415


async def _frota_error_handler(_request: Request, exc: FrotaError) -> JSONResponse:
    body = getattr(exc, "body", None) or {"detail": exc.message}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FrotaError, _frota_error_handler)
