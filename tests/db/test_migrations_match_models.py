"""The migrations make the schema the models describe: Alembic's own comparison finds nothing
to add, drop or change (a constraint or index written in one place and not the other)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from api.models import Base


def test_the_migrated_schema_is_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
