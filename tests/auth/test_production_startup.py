"""Start-up refuses, in production, a pool that cannot fit in max_connections or a weak key."""

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import ConfigError, Settings
from api.db import check_pool_capacity, make_engine
from api.main import validate_settings

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(48)


def settings(**values) -> Settings:
    values.setdefault("secret_key", STRONG_KEY)
    return Settings(_env_file=None, **values)


def test_pool_that_fits_gives_no_message():
    # 4 x (5 + 5 + 4 read + 1 for /health) + 10 = 70
    fits = settings(
        web_concurrency=4,
        db_pool_size=5,
        db_max_overflow=5,
        db_read_pool_size=4,
        db_reserved_connections=10,
    )
    assert fits.check_pool_fits(max_connections=70) is None
    assert fits.check_pool_fits(max_connections=69) is not None


def test_pool_that_does_not_fit_names_every_variable():
    big = settings(web_concurrency=4, db_pool_size=100, db_max_overflow=5)
    message = big.check_pool_fits(max_connections=100)
    assert message is not None
    for name in (
        "WEB_CONCURRENCY=4",
        "DB_POOL_SIZE=100",
        "DB_MAX_OVERFLOW=5",
        "DB_READ_POOL_SIZE=",
        "DB_RESERVED_CONNECTIONS",
        "max_connections=100",
    ):
        assert name in message


def test_pool_capacity_check_refuses_in_production(database_url):
    config = settings(environment="production", web_concurrency=4, db_pool_size=100)
    engine = make_engine(config, database_url)
    try:
        with pytest.raises(ConfigError, match="DB_POOL_SIZE=100"):
            check_pool_capacity(engine, config)
    finally:
        engine.dispose()


def test_pool_capacity_check_only_warns_in_development(database_url, caplog):
    config = settings(environment="development", web_concurrency=4, db_pool_size=100)
    engine = make_engine(config, database_url)
    try:
        problem = check_pool_capacity(engine, config)
    finally:
        engine.dispose()
    assert problem and "does not fit" in problem
    assert "refused in production" in caplog.text


def test_pool_capacity_check_passes_a_pool_that_fits(database_url):
    config = settings(
        environment="production",
        web_concurrency=1,
        db_pool_size=2,
        db_max_overflow=1,
        db_reserved_connections=1,
    )
    engine = make_engine(config, database_url)
    try:
        assert check_pool_capacity(engine, config) is None
    finally:
        engine.dispose()


@pytest.mark.parametrize("key", ["changeme", "CHANGEME", "changethis", "", "short-key"])
def test_production_refuses_a_default_or_short_secret_key(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        validate_settings(settings(environment="production", secret_key=key))


def test_production_accepts_a_strong_secret_key():
    validate_settings(settings(environment="production"))


def test_development_warns_about_changeme_but_starts(caplog):
    validate_settings(settings(environment="development", secret_key="changeme"))
    assert "SECRET_KEY" in caplog.text


def test_no_environment_starts_without_a_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        validate_settings(settings(environment="development", secret_key=""))


def _serve(database_url: str, tmp_path: Path, **env) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"ADMIN_EMAIL", "ADMIN_PASSWORD", "POSTGRES_PASSWORD", "REDIS_URL"}
    }
    environ.update(
        ENVIRONMENT="production",
        DATABASE_URL=database_url,
        SECRET_KEY=STRONG_KEY,
        PORT="18765",
        DB_START_TIMEOUT="5",
    )
    environ.update(env)
    frota = Path(sys.executable).with_name("frota")
    # Run from an empty directory so that no `.env` is read; if it wrongly starts serving,
    # its whole process group (the workers too) is stopped.
    process = subprocess.Popen(
        [str(frota), "serve"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_frota_serve_refuses_a_pool_that_cannot_fit(database_url, tmp_path):
    result = _serve(database_url, tmp_path, DB_POOL_SIZE="100", WEB_CONCURRENCY="4")
    assert result.returncode != 0
    assert "WEB_CONCURRENCY=4" in result.stderr
    assert "DB_POOL_SIZE=100" in result.stderr
    assert "max_connections" in result.stderr


def test_frota_serve_refuses_secret_key_changeme_in_production(database_url, tmp_path):
    result = _serve(database_url, tmp_path, SECRET_KEY="changeme")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
