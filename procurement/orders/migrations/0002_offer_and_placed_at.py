"""OrderItem.product_info → offer, Order.dt → placed_at: the data stays, the columns (and the
names the database made up from them) take the new names."""

from django.db import migrations, models

from procurement.core.schema_names import rename_to_current_names


def rename_database_objects(apps, schema_editor):
    for model_name in ["Order", "OrderItem"]:
        rename_to_current_names(schema_editor, apps.get_model("orders", model_name))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("catalog", "0006_offer_names"),
    ]

    operations = [
        # Constraints and indexes name fields, which a RenameField does not follow.
        migrations.RemoveConstraint(model_name="orderitem", name="one_line_per_offer"),
        migrations.RemoveIndex(model_name="order", name="orders_orde_user_id_dbb887_idx"),
        migrations.RemoveIndex(model_name="order", name="orders_orde_state_f0e9af_idx"),
        migrations.RenameField(model_name="orderitem", old_name="product_info", new_name="offer"),
        migrations.RenameField(model_name="order", old_name="dt", new_name="placed_at"),
        migrations.AlterField(
            model_name="order",
            name="placed_at",
            field=models.DateTimeField(
                auto_now_add=True,
                help_text="When the order was placed; for a basket, when it was created.",
                verbose_name="placed",
            ),
        ),
        migrations.AlterModelOptions(
            name="order",
            options={
                "ordering": ["-placed_at", "-id"],
                "verbose_name": "order",
                "verbose_name_plural": "orders",
            },
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["user", "state", "-placed_at"], name="order_user_state_placed_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["state", "-placed_at"], name="order_state_placed_idx"),
        ),
        migrations.AddConstraint(
            model_name="orderitem",
            constraint=models.UniqueConstraint(
                fields=("order", "offer"), name="one_line_per_offer"
            ),
        ),
        migrations.RunPython(rename_database_objects, migrations.RunPython.noop, elidable=False),
    ]
