"""Alembic environment: the URL comes from the caller (tests, CLI) or DATABASE_URL."""

from logging.config import fileConfig

from alembic import context

from api.config import get_settings
from api.db import make_cli_engine, sqlalchemy_url
from api.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or get_settings().database_url
    if not url:
        raise SystemExit("DATABASE_URL is not set")
    return sqlalchemy_url(url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    # No statement limit, but a bounded wait for each lock (DB_CLI_LOCK_TIMEOUT_MS): a migration
    # queued behind a long transaction would otherwise block every request behind itself.
    engine = make_cli_engine(get_settings(), _url())
    with engine.connect() as connection:
        # Two containers starting at once must not migrate at the same time.
        connection.exec_driver_sql("SELECT pg_advisory_lock(727274)")
        try:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            connection.exec_driver_sql("SELECT pg_advisory_unlock(727274)")
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
