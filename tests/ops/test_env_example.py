"""`.env.example`, filled in as the README's "A fresh server" says, must start in production."""

import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def example_values() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def test_env_example_filled_as_documented_passes_production_checks(monkeypatch):
    from api.config import Settings

    values = example_values()
    values["SECRET_KEY"] = secrets.token_urlsafe(48)
    values["POSTGRES_PASSWORD"] = secrets.token_urlsafe(24)
    # ADMIN_PASSWORD stays empty, as documented: one is generated, not refused as weak.
    assert values["ENVIRONMENT"] == "production" and values["ADMIN_PASSWORD"] == ""
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    settings = Settings(_env_file=None)

    assert settings.weak_settings() == []
    assert settings.is_production


def test_env_example_documents_the_compose_variables():
    values = example_values()
    for name in (
        "SECRET_KEY",
        "POSTGRES_PASSWORD",
        "BACKUP_KEEP_DAYS",
        "WEB_CONCURRENCY",
        "MAX_REQUESTS",
        "MAX_REQUESTS_JITTER",
        "APP_UID",
        "APP_GID",
    ):
        assert name in values, name
