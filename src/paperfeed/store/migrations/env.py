"""Alembic environment: the engine comes from the caller (paperfeed.store.migrate)."""

from alembic import context
from sqlalchemy import create_engine

# Their tables join Base.metadata.
from paperfeed.store import (  # noqa: F401
    digest_models,
    fulltext_models,
    html_models,
    library_models,
)
from paperfeed.store.db import make_engine
from paperfeed.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: URL from the ini or the environment
    from paperfeed.settings import Settings

    url = config.get_main_option("sqlalchemy.url") or Settings().database_url
    engine = make_engine(url) if url else create_engine("sqlite://")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
