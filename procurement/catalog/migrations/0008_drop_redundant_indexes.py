"""Drop the indexes another index already serves: every new offer, parameter value and
product writes each index of its table, and a price list brings them by the hundred
thousand.

- offer: `shop_id` (the unique (shop_id, external_id) index leads with it) and
  (product_id, is_withdrawn) (the product's own index serves every lookup by product; the
  visible ones have `offer_visible_product_idx`);
- offer parameter: `offer_id` (the unique (offer_id, parameter_id) index leads with it);
- product: `category_id` (the unique (category_id, name) index leads with it).

The foreign keys stay. The indexes are dropped by name rather than by altering the
fields: on SQLite, altering a field rebuilds the table, which would drop the triggers that
count each shop's visible offers (migration 0004). The names are the same on both
databases (Django derives them from the table and column names).
"""

from django.db import migrations, models

# (table, column, index) of the foreign keys that lose their own index.
FOREIGN_KEY_INDEXES = [
    ("catalog_offer", "shop_id", "catalog_offer_shop_id_58b784ee"),
    ("catalog_offerparameter", "offer_id", "catalog_offerparameter_offer_id_1d02ce86"),
    ("catalog_product", "category_id", "catalog_product_category_id_35bf920b"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_search_text_folds_punctuation"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="offer", name="offer_product_withdrawn_idx"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in FOREIGN_KEY_INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="offer",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="offers",
                        to="catalog.shop",
                        verbose_name="shop",
                    ),
                ),
                migrations.AlterField(
                    model_name="offerparameter",
                    name="offer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="parameters",
                        to="catalog.offer",
                        verbose_name="offer",
                    ),
                ),
                migrations.AlterField(
                    model_name="product",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="products",
                        to="catalog.category",
                        verbose_name="category",
                    ),
                ),
            ],
        ),
    ]
