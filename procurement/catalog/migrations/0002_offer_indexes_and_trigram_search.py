from django.db import migrations, models

TRIGRAM_INDEX = "offer_search_text_trgm_idx"


def create_trigram_index(apps, schema_editor):
    """PostgreSQL only: lets `search_text LIKE '%word%'` use an index; SQLite scans instead."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} "
        "ON catalog_productinfo USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    # The extension stays: it is database-wide and other schemas may rely on it.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="productinfo",
            name="catalog_pro_is_with_0ef9fb_idx",
        ),
        migrations.AddIndex(
            model_name="productinfo",
            index=models.Index(
                condition=models.Q(("is_withdrawn", False)),
                fields=["shop", "id"],
                name="offer_visible_shop_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="productinfo",
            index=models.Index(
                condition=models.Q(("is_withdrawn", False)),
                fields=["price", "id"],
                name="offer_visible_price_idx",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
