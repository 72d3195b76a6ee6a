"""The migrations make the schema the models describe: Alembic's own comparison finds nothing
to add, drop or change (a constraint or index written in one place and not the other)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from api.models import Base


def include_name(name, type_, _parent_names) -> bool:
    """procrastinate's tables are its own schema (migration 0009), not models of ours."""
    return not (type_ == "table" and name.startswith("procrastinate_"))


def test_the_migrated_schema_is_the_models(engine):
    with engine.connect() as connection:
        options = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
