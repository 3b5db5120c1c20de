"""ProductInfo → Offer, ProductParameter → OfferParameter (its `product_info` → `offer`), and
Shop.state → accepts_orders: the data stays, tables and columns take the new names.

The per-shop offer-count triggers follow the table: PostgreSQL ties a trigger to the table
itself, and SQLite rewrites the triggers of a renamed table (their bodies name only
catalog_shop and the NEW/OLD rows). The trigram index and the named indexes and constraints
follow the table too; the names the database made up from the old table and column names
(primary keys, foreign keys, checks, their indexes, the id sequence) are renamed after it.
"""

from django.db import migrations, models
from django.db.models import deletion

from procurement.core.schema_names import rename_to_current_names


def rename_database_objects(apps, schema_editor):
    for model_name in ["Offer", "OfferParameter"]:
        rename_to_current_names(schema_editor, apps.get_model("catalog", model_name))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_shop_state_is_the_suppliers_switch"),
        ("orders", "0001_initial"),
    ]

    operations = [
        # Constraints and indexes name fields, which a RenameField does not follow.
        migrations.RemoveConstraint(model_name="productparameter", name="offer_parameter_unique"),
        migrations.RemoveIndex(model_name="shop", name="catalog_sho_state_4daf4e_idx"),
        migrations.RenameModel(old_name="ProductInfo", new_name="Offer"),
        migrations.RenameModel(old_name="ProductParameter", new_name="OfferParameter"),
        migrations.RenameField(
            model_name="offerparameter", old_name="product_info", new_name="offer"
        ),
        migrations.AlterField(
            model_name="offerparameter",
            name="offer",
            field=models.ForeignKey(
                on_delete=deletion.CASCADE,
                related_name="parameters",
                to="catalog.offer",
                verbose_name="offer",
            ),
        ),
        migrations.AddConstraint(
            model_name="offerparameter",
            constraint=models.UniqueConstraint(
                fields=("offer", "parameter"), name="offer_parameter_unique"
            ),
        ),
        migrations.RenameIndex(
            model_name="offer",
            new_name="offer_product_withdrawn_idx",
            old_name="catalog_pro_product_28b81c_idx",
        ),
        migrations.RenameField(model_name="shop", old_name="state", new_name="accepts_orders"),
        migrations.AlterField(
            model_name="shop",
            name="accepts_orders",
            field=models.BooleanField(
                default=True,
                help_text="The supplier's own switch. The shop is open for orders while it is on "
                "and the owner's account is active.",
                verbose_name="accepts orders",
            ),
        ),
        migrations.AddIndex(
            model_name="shop",
            index=models.Index(
                fields=["accepts_orders", "name"], name="shop_accepts_orders_name_idx"
            ),
        ),
        migrations.RunPython(rename_database_objects, migrations.RunPython.noop, elidable=False),
    ]
