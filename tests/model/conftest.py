"""The model suites: Hypothesis settings, and a session per generated example whose writes are
rolled back (nothing is committed, nothing to truncate)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

# CI-sized: MODEL_EXAMPLES=1000 for a longer hunt. No example database: a failure prints the
# `@reproduce_failure` blob to replay it.
settings.register_profile(
    "model",
    max_examples=int(os.environ.get("MODEL_EXAMPLES", "60")),
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("model")


@pytest.fixture(scope="session")
def rolled_back(engine):
    """`with rolled_back() as session:` one example's writes, rolled back at the end."""

    @contextmanager
    def open_session() -> Iterator[Session]:
        session = Session(bind=engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    return open_session


def driver_connection(session: Session):
    """The session's own psycopg connection (same transaction): runs the statements the API
    sends through its asyncio pool, with the same SQL and parameters."""
    return session.connection().connection.driver_connection
