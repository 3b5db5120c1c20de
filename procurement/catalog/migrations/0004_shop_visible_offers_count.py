from django.db import migrations, models

# Shop.visible_offers counts the shop's offers that are not withdrawn. Triggers keep it
# exact whatever writes the offers (import, admin, shell); the catalog reads it instead of
# counting tens of thousands of rows on every page.
POSTGRESQL_FORWARD = """
CREATE FUNCTION catalog_count_visible_offers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE catalog_shop AS shop SET visible_offers = shop.visible_offers + delta.n
        FROM (SELECT shop_id, count(*) AS n FROM new_rows WHERE NOT is_withdrawn
              GROUP BY shop_id) AS delta
        WHERE shop.id = delta.shop_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE catalog_shop AS shop SET visible_offers = shop.visible_offers - delta.n
        FROM (SELECT shop_id, count(*) AS n FROM old_rows WHERE NOT is_withdrawn
              GROUP BY shop_id) AS delta
        WHERE shop.id = delta.shop_id;
    ELSE
        UPDATE catalog_shop AS shop SET visible_offers = shop.visible_offers + delta.n
        FROM (SELECT shop_id, sum(n) AS n FROM (
                  SELECT shop_id, count(*) AS n FROM new_rows WHERE NOT is_withdrawn GROUP BY shop_id
                  UNION ALL
                  SELECT shop_id, -count(*) FROM old_rows WHERE NOT is_withdrawn GROUP BY shop_id
              ) AS changes GROUP BY shop_id HAVING sum(n) <> 0) AS delta
        WHERE shop.id = delta.shop_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_offer_inserted AFTER INSERT ON catalog_productinfo
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_visible_offers();
CREATE TRIGGER catalog_offer_updated AFTER UPDATE ON catalog_productinfo
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_visible_offers();
CREATE TRIGGER catalog_offer_deleted AFTER DELETE ON catalog_productinfo
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_visible_offers();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS catalog_offer_inserted ON catalog_productinfo;
DROP TRIGGER IF EXISTS catalog_offer_updated ON catalog_productinfo;
DROP TRIGGER IF EXISTS catalog_offer_deleted ON catalog_productinfo;
DROP FUNCTION IF EXISTS catalog_count_visible_offers();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER catalog_offer_inserted AFTER INSERT ON catalog_productinfo
    WHEN NOT NEW.is_withdrawn
    BEGIN
        UPDATE catalog_shop SET visible_offers = visible_offers + 1 WHERE id = NEW.shop_id;
    END""",
    """CREATE TRIGGER catalog_offer_updated AFTER UPDATE OF is_withdrawn, shop_id ON catalog_productinfo
    BEGIN
        UPDATE catalog_shop SET visible_offers = visible_offers - 1
            WHERE id = OLD.shop_id AND NOT OLD.is_withdrawn;
        UPDATE catalog_shop SET visible_offers = visible_offers + 1
            WHERE id = NEW.shop_id AND NOT NEW.is_withdrawn;
    END""",
    """CREATE TRIGGER catalog_offer_deleted AFTER DELETE ON catalog_productinfo
    WHEN NOT OLD.is_withdrawn
    BEGIN
        UPDATE catalog_shop SET visible_offers = visible_offers - 1 WHERE id = OLD.shop_id;
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_offer_inserted",
    "DROP TRIGGER IF EXISTS catalog_offer_updated",
    "DROP TRIGGER IF EXISTS catalog_offer_deleted",
]
RECOUNT = """
UPDATE catalog_shop SET visible_offers = (
    SELECT count(*) FROM catalog_productinfo
    WHERE catalog_productinfo.shop_id = catalog_shop.id AND NOT catalog_productinfo.is_withdrawn
)
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"no offer-count triggers for {vendor}")
    schema_editor.execute(RECOUNT)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_offer_visible_product_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="shop",
            name="visible_offers",
            field=models.BigIntegerField(
                default=0,
                editable=False,
                help_text="Kept by database triggers on offers; the catalog's count reads it.",
                verbose_name="offers in the current price list",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
