"""`frota check-config`: the effective configuration, secrets masked, and the checks it passes."""

import re

from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError

from api.config import Settings

_URL_PASSWORD = re.compile(r"(\w+://[^:/@\s]*):[^@\s]*@")


def masked(value) -> str:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        return f"*** ({len(secret)} chars)" if secret else "(unset)"
    if value is None or value == "":
        return "(unset)"
    text = str(value)
    return _URL_PASSWORD.sub(r"\1:***@", text)


def _database_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    from sqlalchemy import text

    from api.db import make_engine

    if not settings.database_url:
        return [("database reachable", False, "DATABASE_URL is unset")]
    engine = make_engine(settings, pool_size=1, max_overflow=0, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            max_connections = int(conn.execute(text("SHOW max_connections")).scalar_one())
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", exc)).strip().splitlines() or [""])[0]
        return [("database reachable", False, reason)]
    finally:
        engine.dispose()
    problem = settings.check_pool_fits(max_connections)
    return [
        ("database reachable", True, f"max_connections={max_connections}"),
        (
            "pool fits max_connections",
            problem is None,
            problem or f"{settings.connections_needed} connections needed",
        ),
    ]


def _redis_check(settings: Settings) -> list[tuple[str, bool, str]]:
    if not settings.redis_url:
        return []
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
        return [("Redis reachable", True, "rate limits shared by all workers")]
    except redis.RedisError as exc:
        return [("Redis reachable", False, f"{type(exc).__name__}: {exc}")]


def check_config(settings: Settings, *, connect: bool = True) -> int:
    """Print the report; exit status 1 when the API would refuse to start."""
    print("Effective configuration:")
    for name, value in sorted(settings.model_dump().items()):
        print(f"  {name.upper():28} {masked(getattr(settings, name, value))}")
    checks: list[tuple[str, bool, str]] = []
    invalid = settings.invalid_settings()
    checks.append(("values well-formed", not invalid, "; ".join(invalid) or "ok"))
    weak = settings.weak_settings()
    fatal = settings.is_production
    checks.append(("production-grade secrets and proxies", not weak, "; ".join(weak) or "ok"))
    checks.append(("SECRET_KEY set", bool(settings.secret_key.get_secret_value()), ""))
    if connect:
        checks += _database_checks(settings) + _redis_check(settings)
    print("\nChecks:")
    failed = False
    for name, ok, detail in checks:
        refuses = not ok and (fatal or name in {"values well-formed", "SECRET_KEY set"})
        mark = "ok  " if ok else ("FAIL" if refuses else "warn")
        failed = failed or refuses
        print(f"  [{mark}] {name}" + (f": {detail}" if detail and detail != "ok" else ""))
    for notice in settings.notices():
        print(f"  [note] {notice}")
    print("\n" + ("The API would refuse to start." if failed else "The API would start."))
    return 1 if failed else 0
