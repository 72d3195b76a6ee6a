"""Start-up refuses weak production configuration; `frota check-config` shows what runs."""

import logging
import os
import secrets
import subprocess

import pytest

from api.config import ConfigError, Settings
from api.main import validate_settings
from tests.hardening.conftest import FROTA, base_env

GOOD_KEY = secrets.token_urlsafe(48)


def _frota(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FROTA, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )


def test_production_start_is_refused_with_secret_key_changeme(database_url, tmp_path):
    env = base_env(
        database_url, tmp_path, ENVIRONMENT="production", SECRET_KEY="changeme", PORT="8299"
    )
    result = _frota("serve", env=env)
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr and "refusing to start in production" in result.stderr
    assert "Uvicorn running" not in result.stdout


@pytest.mark.parametrize(
    "variables, named",
    [
        ({"SECRET_KEY": "short-but-not-default"}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"POSTGRES_PASSWORD": "postgres"}, "POSTGRES_PASSWORD"),
        ({"FORWARDED_ALLOW_IPS": "*"}, "FORWARDED_ALLOW_IPS"),
        ({"CORS_ORIGINS": "*"}, "CORS_ORIGINS"),
    ],
)
def test_weak_production_settings_are_refused_by_name(variables, named):
    settings = Settings(
        **{
            "environment": "production",
            "secret_key": GOOD_KEY,
            **{k.lower(): v for k, v in variables.items()},
        }
    )
    with pytest.raises(ConfigError, match=named):
        validate_settings(settings)


def test_a_malformed_rate_limit_is_refused_everywhere():
    with pytest.raises(ConfigError, match="RATE_LIMIT"):
        validate_settings(Settings(secret_key=GOOD_KEY, rate_limit="lots"))


def test_memory_counters_with_several_workers_warn_at_start(caplog):
    with caplog.at_level(logging.WARNING, logger="frota"):
        validate_settings(Settings(secret_key=GOOD_KEY, web_concurrency=4, redis_url=None))
    assert any("REDIS_URL is unset" in r.getMessage() for r in caplog.records)


def test_check_config_masks_secrets_and_lists_its_checks(database_url, tmp_path):
    metrics_token = "metrics-" + secrets.token_hex(12)
    env = base_env(
        database_url,
        tmp_path,
        METRICS_TOKEN=metrics_token,
        POSTGRES_PASSWORD="pg-" + secrets.token_hex(8),
    )
    result = _frota("check-config", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    for secret in (
        env["SECRET_KEY"],
        env["ADMIN_PASSWORD"],
        metrics_token,
        env["POSTGRES_PASSWORD"],
    ):
        assert secret not in result.stdout
    assert "SECRET_KEY" in result.stdout and "***" in result.stdout
    assert "[ok  ] database reachable" in result.stdout
    assert "[ok  ] pool fits max_connections" in result.stdout
    assert "The API would start." in result.stdout


def test_check_config_fails_for_a_weak_production_setup(database_url, tmp_path):
    env = base_env(database_url, tmp_path, ENVIRONMENT="production", SECRET_KEY="changeme")
    result = _frota("check-config", "--offline", env=env)
    assert result.returncode == 1
    assert "[FAIL] production-grade secrets and proxies: SECRET_KEY" in result.stdout
    assert "changeme" not in result.stdout
