"""JSON logs, one object a line on stdout, with the request id of the request being served."""

import logging
import logging.config
import re
import time
from contextvars import ContextVar

import orjson

# Set by the request middleware; every log line written while serving a request carries it.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Secrets that must never reach a log: query values of signed URLs and tokens, bearer tokens,
# passwords in forms or DSNs.
_SECRET_PATTERNS = (
    (
        re.compile(r"(?i)\b(sig|signature|token|access_token|password|secret|api_key)=[^&\s\"']+"),
        r"\1=***",
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer ***"),
    (re.compile(r"(?i)(\w+://[^:/@\s]+):[^@\s]+@"), r"\1:***@"),
)
_SUSPICIOUS = re.compile(r"(?i)=|bearer|://")

# uvicorn adds `color_message` (the message with terminal colours) to its records.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def redact(text: str) -> str:
    """The text with tokens, passwords and signatures masked."""
    if not _SUSPICIOUS.search(text):
        return text
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def log_config(level: str) -> dict:
    """A dictConfig for the app and uvicorn alike (`uvicorn.run(log_config=...)` in each worker)."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.logging_setup.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # Our own access log replaces uvicorn's, which would print query strings (signed URLs).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def configure_logging(level: str) -> None:
    logging.config.dictConfig(log_config(level))
    logging.captureWarnings(True)  # libraries' warnings become JSON lines too


def ensure_logging(level: str) -> None:
    """Configure JSON logs unless something (uvicorn with our config, pytest) already has."""
    if not logging.getLogger().handlers:
        configure_logging(level)
    logging.captureWarnings(True)
