"""A stored tsvector of search_text (PostgreSQL only, invisible to the ORM model).

Matching a stored vector costs nothing per row, so the planner may walk the inbox order and filter
(common words) or read the GIN index (rare words); computing to_tsvector per row made both slow.
SQLite keeps the plain icontains fallback.
"""

from django.db import migrations

OLD_INDEX = "interaction_search_gin_idx"
INDEX = "interaction_search_vector_idx"


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    schema_editor.execute(
        "ALTER TABLE interactions_interaction ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, coalesce(search_text, ''))) STORED"
    )
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON interactions_interaction USING gin (search_vector)")


def drop_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute("ALTER TABLE interactions_interaction DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON interactions_interaction "
        "USING gin (to_tsvector('russian'::regconfig, search_text))"
    )


class Migration(migrations.Migration):
    dependencies = [("interactions", "0005_message_seller_and_stats_indexes")]

    operations = [migrations.RunPython(add_search_vector, drop_search_vector)]
