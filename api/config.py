"""Configuration: one pydantic-settings class, read from the environment and `.env`."""

from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that must never protect a production deployment.
KNOWN_DEFAULT_SECRETS = {
    "",
    "changeme",
    "changethis",
    "secret",
    "secret-key",
    "your-secret-key",
    "your-secret-key-here",
    "dev",
    "development",
    "password",
    "postgres",
    "frota",
}
MIN_SECRET_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """The configuration cannot run; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Literal["development", "test", "production"] = "development"
    version: str = "0.1.0"

    database_url: str | None = None
    test_database_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr("")
    postgres_password: SecretStr | None = None

    admin_email: str | None = None
    admin_password: SecretStr | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    web_concurrency: int = Field(4, ge=1, le=64)
    forwarded_allow_ips: str = "127.0.0.1"
    cors_origins: str = ""

    upload_dir: Path = Path("uploads")
    backup_dir: Path = Path("backups")
    max_upload_mb: int = Field(50, ge=1, le=1024)
    # An unfinished resumable (tus) upload is removed this long after it was started.
    upload_expiry_hours: int = Field(24, ge=1, le=24 * 30)
    signed_url_minutes: int = Field(15, ge=1, le=24 * 60)
    photo_retention_days: int = Field(60, ge=1)
    # UTC offset for EXIF times that carry none (phones usually write OffsetTimeOriginal).
    exif_default_offset: str = Field("-03:00", pattern=r"^[+-]\d{2}:?\d{2}$")
    backup_keep_days: int = Field(14, ge=1)
    # What is "due soon" on /due and the reminders: within this many km or days.
    due_soon_km: int = Field(1000, ge=0, le=100_000)
    due_soon_days: int = Field(30, ge=0, le=365)
    # The state whose licensing calendar (api/documents/licensing.toml) dates the CRLV, and a
    # file of the same format whose tables replace or add to the built-in ones (a state and year).
    licensing_state: str = "SP"
    licensing_calendar_file: Path | None = None

    log_level: str = "INFO"
    # Seconds a stopping worker gives requests in flight (below compose's stop_grace_period).
    graceful_timeout: int = Field(20, ge=1, le=300)
    # The escape hatch for a memory leak: replace a worker after this many requests, plus up to
    # the jitter so that the workers do not all restart at once (0 = never, the default).
    max_requests: int = Field(0, ge=0)
    max_requests_jitter: int = Field(1_000, ge=0)
    rate_limit: str = "60/minute"
    file_rate_limit: str = "600/minute"
    login_rate_limit: str = "10/minute"
    # Prefix of the rate-limit keys in Redis (two deployments may share one Redis).
    rate_limit_prefix: str = "frota"
    metrics_token: SecretStr | None = None
    # Statements slower than this are logged with their text (0 = off).
    slow_query_ms: int = Field(1000, ge=0)

    # Notifications (api/notifications, api/webhooks): links in messages point at the panel here.
    public_url: str = "http://localhost:8000"
    # E-mail over SMTP; with no SMTP_HOST nothing is sent (detailed health says so).
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_timeout: float = Field(15, gt=0, le=300)
    mail_from: str = "Frota <frota@localhost>"
    # Webhook and push URLs that resolve to loopback, private, link-local or metadata addresses
    # are refused unless this is true (a receiver on the same network).
    webhook_allow_private: bool = False
    # `frota worker`: deliveries sent at once (threads, each with its own connection).
    worker_concurrency: int = Field(4, ge=1, le=32)

    access_token_hours: int = Field(24, ge=1, le=24 * 30)
    odometer_max_jump_km: int = Field(2000, ge=1)

    # Database connections, per worker process: the ORM sessions' pool (used from the thread
    # pool) and the read pool (psycopg's asyncio pool: the lists and the caller check).
    db_pool_size: int = Field(6, ge=1)
    db_max_overflow: int = Field(0, ge=0)
    db_read_pool_size: int = Field(4, ge=1)
    db_pool_timeout: float = Field(5, gt=0)
    db_pool_recycle: int = Field(1800, ge=-1)
    db_connect_timeout: int = Field(5, ge=1)
    # Every wait of a request on PostgreSQL is bounded; one that runs out is a 503 with
    # Retry-After. Migrations and the `frota` jobs have their own (0 = no limit).
    db_statement_timeout_ms: int = Field(5_000, ge=0)
    db_lock_timeout_ms: int = Field(2_000, ge=0)
    db_cli_statement_timeout_ms: int = Field(0, ge=0)
    db_cli_lock_timeout_ms: int = Field(30_000, ge=0)
    db_application_name: str = "frota"
    # Connections kept free for backups, migrations, psql and monitoring.
    db_reserved_connections: int = Field(10, ge=0)
    db_start_timeout: float = Field(60, ge=0)

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @field_validator("licensing_state")
    @classmethod
    def _upper_state(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("smtp_host", "smtp_username", mode="before")
    @classmethod
    def _blank_is_unset(cls, value):
        return None if value is None or str(value).strip() == "" else str(value).strip()

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("licensing_calendar_file", mode="before")
    @classmethod
    def _no_file(cls, value):
        return None if value is None or str(value).strip() == "" else value

    def licensing_calendar(self):
        """The licensing calendars: the built-in ones and LICENSING_CALENDAR_FILE's (cached)."""
        from api.documents import licensing

        return licensing.calendar(self.licensing_calendar_file)

    def licensing_year(self, year: int):
        """LICENSING_STATE's calendar for `year` (an estimate when it has no table that year)."""
        return self.licensing_calendar().for_year(self.licensing_state, year)

    @property
    def panel_url(self) -> str:
        """The panel in messages: PUBLIC_URL (no trailing slash) + `/panel/`; links add `#/…`."""
        return f"{self.public_url}/panel/"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def connections_per_worker(self) -> int:
        """The sessions' pool, the read pool and /health's probe connection."""
        return self.db_pool_size + self.db_max_overflow + self.db_read_pool_size + 1

    @property
    def connections_needed(self) -> int:
        """Connections that all workers may open, plus the reserved headroom."""
        return self.web_concurrency * self.connections_per_worker + self.db_reserved_connections

    def weak_settings(self) -> list[str]:
        """Problems that make this configuration unfit for production."""
        problems = []
        key = self.secret_key.get_secret_value()
        if key.lower() in KNOWN_DEFAULT_SECRETS:
            problems.append(
                "SECRET_KEY is missing or a known default; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        elif len(key.encode()) < MIN_SECRET_KEY_BYTES:
            problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes")
        if self.postgres_password is not None:
            pw = self.postgres_password.get_secret_value()
            if pw.lower() in KNOWN_DEFAULT_SECRETS or len(pw) < 12:
                problems.append("POSTGRES_PASSWORD is a default or shorter than 12 characters")
        # Empty (`ADMIN_PASSWORD=` as in .env.example) means "generate one", not a weak password.
        if self.admin_password is not None and 0 < len(self.admin_password.get_secret_value()) < 12:
            problems.append("ADMIN_PASSWORD is shorter than 12 characters")
        if "*" in self.forwarded_allow_ips:
            problems.append("FORWARDED_ALLOW_IPS must list proxies, never '*'")
        if "*" in self.cors_origins:
            problems.append("CORS_ORIGINS must list the panel's origins, never '*'")
        if self.metrics_token is not None and 0 < len(self.metrics_token.get_secret_value()) < 16:
            problems.append("METRICS_TOKEN is shorter than 16 characters")
        return problems

    def invalid_settings(self) -> list[str]:
        """Problems that stop the API anywhere, not only in production."""
        from limits import parse

        problems = []
        for name in ("rate_limit", "file_rate_limit", "login_rate_limit"):
            try:
                parse(getattr(self, name))
            except ValueError:
                problems.append(
                    f"{name.upper()}={getattr(self, name)!r} is not a rate such as '60/minute'"
                )
        if self.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            problems.append(f"LOG_LEVEL={self.log_level!r} is not DEBUG, INFO, WARNING or ERROR")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            problems.append("REDIS_URL must start with redis://, rediss:// or unix://")
        if not self.public_url.startswith(("http://", "https://")):
            problems.append(f"PUBLIC_URL={self.public_url!r} must start with http:// or https://")
        problems += self._licensing_problems()
        return problems

    def _licensing_problems(self) -> list[str]:
        from api.documents.licensing import CalendarError

        try:
            known = self.licensing_calendar().states()
        except CalendarError as exc:
            name = "LICENSING_CALENDAR_FILE" if self.licensing_calendar_file else "the calendar"
            return [f"{name}: {exc}"]
        if self.licensing_state not in known:
            return [
                f"LICENSING_STATE={self.licensing_state!r} has no licensing calendar "
                f"(known: {', '.join(known)}; LICENSING_CALENDAR_FILE can add one)"
            ]
        return []

    def notices(self) -> list[str]:
        """Worth a warning at start-up, never a refusal."""
        notes = []
        if not self.redis_url and self.web_concurrency > 1:
            notes.append(
                f"REDIS_URL is unset: rate limits are counted in memory, so each of the "
                f"{self.web_concurrency} workers allows the full budget"
            )
        if not self.smtp_host:
            notes.append("SMTP_HOST is unset: no e-mail is sent (digests, alerts, test messages)")
        if self.is_production and not self.metrics_token:
            notes.append("METRICS_TOKEN is unset: /metrics answers 404")
        if not self._licensing_problems():
            missing = self.licensing_year(self.licensing_today().year).warning()
            if missing:
                notes.append(missing)
        return notes

    def licensing_today(self):
        """Today where the fleet is (EXIF_DEFAULT_OFFSET, validated `±HH:MM`): the licensing
        year is this one's. (api/local_time.py reads the settings; not the other way round.)"""
        text = self.exif_default_offset.replace(":", "")
        minutes = int(text[1:3]) * 60 + int(text[3:5])
        offset = timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))
        return datetime.now(UTC).astimezone(offset).date()

    def check_pool_fits(self, max_connections: int) -> str | None:
        """A message when all workers' pools cannot fit in PostgreSQL's max_connections."""
        if self.connections_needed <= max_connections:
            return None
        return (
            f"database pool does not fit: WEB_CONCURRENCY={self.web_concurrency} x "
            f"(DB_POOL_SIZE={self.db_pool_size} + DB_MAX_OVERFLOW={self.db_max_overflow} + "
            f"DB_READ_POOL_SIZE={self.db_read_pool_size} + 1 for /health) + "
            f"DB_RESERVED_CONNECTIONS={self.db_reserved_connections} = {self.connections_needed} "
            f"> max_connections={max_connections}"
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
