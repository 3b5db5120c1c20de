# ruff: noqa: S608 - statements are built from table names and fixed column lists; values are parameters.
"""Write a checked PriceList into the catalog: one transaction, a fixed number of statements.

Rows travel to the database as one JSON array per statement (PostgreSQL reads it with
jsonb_array_elements, SQLite with json_each), so the number of statements does not grow
with the number of goods and the same SQL serves both databases. Existing offers and
their parameters are read once and compared in Python, so only rows whose values changed
are written, and re-importing the same file writes nothing.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.catalog.models import (
    Category,
    Offer,
    OfferParameter,
    Parameter,
    Product,
    Shop,
)
from procurement.catalog.search import offer_search_text
from procurement.pricelists.validate import Good, PriceList

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    shop_id: int
    created: int
    updated: int
    withdrawn: int
    warnings: list[dict]  # what the list asked for and did not get, e.g. a shared category renamed


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rows(columns: Sequence[tuple[str, str]]) -> str:
    """A subquery exposing `columns` (name, SQL type) of the rows passed as one JSON parameter."""
    if connection.vendor == "postgresql":
        source = "jsonb_array_elements(CAST(%s AS jsonb)) AS j(value)"
    else:
        source = "json_each(%s) AS j"
    select = ", ".join(
        f"CAST(j.value ->> {index} AS {sql_type}) AS {name}"
        for index, (name, sql_type) in enumerate(columns)
    )
    return f"(SELECT {select} FROM {source})"


def _json(rows: list) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


@transaction.atomic
def apply_pricelist(
    *, supplier, price_list: PriceList, progress: Progress | None = None
) -> ImportResult:
    """Make the supplier's shop offer exactly the goods of `price_list`; see the module docstring."""
    report = progress or (lambda stage: None)
    shop = _lock_or_create_shop(supplier=supplier, name=price_list.shop)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        report("categories")
        warnings = _upsert_categories(cursor, shop.pk, price_list.categories)
        report("products")
        product_ids = _upsert_products(cursor, price_list.goods)
        parameter_ids = _upsert_parameters(cursor, price_list.goods)
        report("offers")
        existing = _existing_offers(shop.pk)
        existing_parameters = _existing_parameters(cursor, shop.pk)

        new_rows, changed_rows, parameter_rows, replaced_offers = [], [], [], []
        pending_parameters: list[tuple[int, list]] = []  # new offers: external id, parameters
        seen: set[int] = set()
        for good in price_list.goods:
            seen.add(good.external_id)
            parameters = [[parameter_ids[name], value] for name, value in good.parameters.items()]
            values = _offer_values(good, product_ids)
            current = existing.get(good.external_id)
            if current is None:
                new_rows.append([good.external_id, *values])
                pending_parameters.append((good.external_id, parameters))
                continue
            offer_id, current_values, withdrawn = current
            same_parameters = existing_parameters.get(offer_id, {}) == dict(map(tuple, parameters))
            if values != current_values or withdrawn or not same_parameters:
                changed_rows.append([offer_id, *values])
            if not same_parameters:
                replaced_offers.append(offer_id)
                parameter_rows.extend([offer_id, *parameter] for parameter in parameters)
        to_withdraw = [
            offer_id
            for external_id, (offer_id, _values, withdrawn) in existing.items()
            if external_id not in seen and not withdrawn
        ]

        new_ids = _insert_offers(cursor, shop.pk, new_rows, now)
        for external_id, parameters in pending_parameters:
            offer_id = new_ids[external_id]
            parameter_rows.extend([offer_id, *parameter] for parameter in parameters)
        _lock_offers(cursor, [row[0] for row in changed_rows] + to_withdraw)
        _update_offers(cursor, changed_rows, now)
        _withdraw_offers(cursor, to_withdraw, now)
        report("parameters")
        _replace_parameters(cursor, replaced_offers, parameter_rows)
    report("done")
    return ImportResult(
        shop_id=shop.pk,
        created=len(new_rows),
        updated=len(changed_rows),
        withdrawn=len(to_withdraw),
        warnings=warnings,
    )


def _lock_or_create_shop(*, supplier, name: str) -> Shop:
    shop = Shop.objects.select_for_update().filter(user=supplier).first()
    if shop is None:
        try:
            with transaction.atomic():
                return Shop.objects.create(user=supplier, name=name)
        except IntegrityError:  # a concurrent first import created it
            shop = Shop.objects.select_for_update().get(user=supplier)
    if shop.name != name:
        shop.name = name
        shop.save(update_fields=["name", "updated_at"])
    return shop


def _offer_values(good: Good, product_ids: dict[tuple[int, str], int]) -> list:
    """The offer's columns as compared with the database and sent to it, in _OFFER_COLUMNS order."""
    return [
        product_ids[good.category_id, good.name],
        good.model,
        good.quantity,
        str(good.price),
        str(good.price_rrc),
        offer_search_text(
            name=good.name, model=good.model, parameter_values=good.parameters.values()
        ),
    ]


_OFFER_COLUMNS = [
    ("product_id", "bigint"),
    ("model", "text"),
    ("quantity", "bigint"),
    ("price", "numeric"),
    ("price_rrc", "numeric"),
    ("search_text", "text"),
]


def _upsert_categories(cursor, shop_id: int, categories: dict[int, str]) -> list[dict]:
    """Create the list's new categories, link the shop to exactly the list's categories, and
    rename those the list names differently → warnings about the ones left as they were.

    Categories are shared by every shop, so a price list never renames one that another shop
    lists or files goods under: its name stays and the import says so in a warning. Every
    import holds a key-share lock on its categories until it commits (the foreign keys are
    checked only at commit, so their locks come too late); a rename first takes the
    category FOR UPDATE, which waits for the imports still filing goods under it, so the
    check below sees them. (SQLite has no row locks: its writers take turns.)
    """
    rows = sorted([category_id, name] for category_id, name in categories.items())
    category, links = _table(Category), _table(Category.shops.through)
    ids = _rows([("id", "bigint")])
    locks = connection.features.has_select_for_update
    cursor.execute(
        f"INSERT INTO {category} (id, name) SELECT r.id, r.name "
        f"FROM {_rows([('id', 'bigint'), ('name', 'text')])} AS r WHERE true "
        "ON CONFLICT (id) DO NOTHING",
        [_json(rows)],
    )
    category_ids = _json([[row[0]] for row in rows])
    cursor.execute(
        f"SELECT c.id, c.name FROM {category} AS c WHERE c.id IN (SELECT r.id FROM {ids} AS r) "
        f"ORDER BY c.id{' FOR KEY SHARE' if locks else ''}",
        [category_ids],
    )
    renamed = [
        category_id for category_id, name in cursor.fetchall() if name != categories[category_id]
    ]
    cursor.execute(
        f"DELETE FROM {links} WHERE shop_id = %s AND category_id NOT IN (SELECT r.id FROM {ids} AS r)",
        [shop_id, category_ids],
    )
    cursor.execute(
        f"INSERT INTO {links} (shop_id, category_id) SELECT %s, r.id FROM {ids} AS r WHERE true "
        "ON CONFLICT DO NOTHING",
        [shop_id, category_ids],
    )
    if not renamed:
        return []
    renamed_ids = _json([[category_id] for category_id in renamed])
    cursor.execute(
        f"SELECT c.id, c.name FROM {category} AS c WHERE c.id IN (SELECT r.id FROM {ids} AS r) "
        f"ORDER BY c.id{' FOR UPDATE' if locks else ''}",
        [renamed_ids],
    )
    current = dict(cursor.fetchall())
    product, offer = _table(Product), _table(Offer)
    cursor.execute(
        f"SELECT l.category_id FROM {links} AS l WHERE l.shop_id <> %s "
        f"AND l.category_id IN (SELECT r.id FROM {ids} AS r) "
        f"UNION SELECT p.category_id FROM {product} AS p JOIN {offer} AS o ON o.product_id = p.id "
        f"WHERE o.shop_id <> %s AND p.category_id IN (SELECT r.id FROM {ids} AS r)",
        [shop_id, renamed_ids, shop_id, renamed_ids],
    )
    shared = {category_id for (category_id,) in cursor.fetchall()}
    renames = [
        [category_id, categories[category_id]]
        for category_id in renamed
        if category_id not in shared and current[category_id] != categories[category_id]
    ]
    if renames:
        cursor.execute(
            f"UPDATE {category} SET name = r.name "
            f"FROM {_rows([('id', 'bigint'), ('name', 'text')])} AS r WHERE {category}.id = r.id",
            [_json(renames)],
        )
    return [
        {
            "section": "categories",
            "index": index,
            "id": category_id,
            "field": "name",
            "warning": _(
                "Category %(id)d keeps its name “%(kept)s”: other shops' goods are filed "
                "under it, so it was not renamed to “%(asked)s”."
            )
            % {"id": category_id, "kept": current[category_id], "asked": name},
        }
        for index, (category_id, name) in enumerate(categories.items())
        if category_id in shared and current[category_id] != name
    ]


def _upsert_products(cursor, goods: list[Good]) -> dict[tuple[int, str], int]:
    """Products by (category, name), created where missing → their ids."""
    keys = sorted({(good.category_id, good.name) for good in goods})
    if not keys:
        return {}
    product = _table(Product)
    rows = _rows([("category_id", "bigint"), ("name", "text")])
    payload = _json([list(key) for key in keys])
    cursor.execute(
        f"INSERT INTO {product} (category_id, name) SELECT r.category_id, r.name FROM {rows} AS r "
        "WHERE true ON CONFLICT (category_id, name) DO NOTHING",
        [payload],
    )
    cursor.execute(
        f"SELECT p.category_id, p.name, p.id FROM {product} AS p JOIN {rows} AS r "
        "ON p.category_id = r.category_id AND p.name = r.name",
        [payload],
    )
    return {(category_id, name): product_id for category_id, name, product_id in cursor.fetchall()}


def _upsert_parameters(cursor, goods: list[Good]) -> dict[str, int]:
    names = sorted({name for good in goods for name in good.parameters})
    if not names:
        return {}
    parameter = _table(Parameter)
    rows = _rows([("name", "text")])
    payload = _json([[name] for name in names])
    cursor.execute(
        f"INSERT INTO {parameter} (name) SELECT r.name FROM {rows} AS r WHERE true "
        "ON CONFLICT (name) DO NOTHING",
        [payload],
    )
    cursor.execute(
        f"SELECT p.name, p.id FROM {parameter} AS p JOIN {rows} AS r ON p.name = r.name",
        [payload],
    )
    return dict(cursor.fetchall())


def _existing_offers(shop_id: int) -> dict[int, tuple[int, list, bool]]:
    """external id → (offer id, values as _offer_values builds them, withdrawn)."""
    offers = Offer.objects.filter(shop_id=shop_id).values_list(
        "external_id",
        "id",
        "product_id",
        "model",
        "quantity",
        "price",
        "price_rrc",
        "search_text",
        "is_withdrawn",
    )
    return {
        external_id: (
            offer_id,
            [product_id, model, quantity, str(price), str(price_rrc), search_text],
            withdrawn,
        )
        for external_id, offer_id, product_id, model, quantity, price, price_rrc, search_text, withdrawn in offers.iterator(
            chunk_size=5000
        )
    }


def _existing_parameters(cursor, shop_id: int) -> dict[int, dict[int, str]]:
    """offer id → {parameter id: value} for every offer of the shop."""
    cursor.execute(
        f"SELECT pp.offer_id, pp.parameter_id, pp.value FROM {_table(OfferParameter)} AS pp "
        f"JOIN {_table(Offer)} AS o ON o.id = pp.offer_id WHERE o.shop_id = %s",
        [shop_id],
    )
    parameters: dict[int, dict[int, str]] = {}
    for offer_id, parameter_id, value in cursor.fetchall():
        parameters.setdefault(offer_id, {})[parameter_id] = value
    return parameters


def _insert_offers(cursor, shop_id: int, rows: list[list], now) -> dict[int, int]:
    """Create offers → {external id: new offer id}."""
    if not rows:
        return {}
    columns = [("external_id", "bigint"), *_OFFER_COLUMNS]
    names = ", ".join(name for name, _type in columns)
    selected = ", ".join(f"r.{name}" for name, _type in columns)
    cursor.execute(
        f"INSERT INTO {_table(Offer)} (shop_id, is_withdrawn, updated_at, {names}) "
        f"SELECT %s, false, %s, {selected} FROM {_rows(columns)} AS r WHERE true "
        "RETURNING external_id, id",
        [shop_id, now, _json(rows)],
    )
    return dict(cursor.fetchall())


def _lock_offers(cursor, offer_ids: list[int]) -> None:
    """Lock the offers about to change in primary-key order, as placing an order does.

    An UPDATE locks its rows in whatever order its plan visits them, and this transaction
    updates changed and withdrawn offers in two statements: a checkout holding offer 1 and
    waiting for offer 2 while the import holds 2 and waits for 1 is a deadlock. Taking every
    lock up front in the same order as checkouts makes one simply wait for the other.
    (SQLite has no row locks: its writers take turns.)
    """
    if not offer_ids or not connection.features.has_select_for_update:
        return
    cursor.execute(
        f"SELECT o.id FROM {_table(Offer)} AS o "
        f"WHERE o.id IN (SELECT r.id FROM {_rows([('id', 'bigint')])} AS r) "
        "ORDER BY o.id FOR NO KEY UPDATE",
        [_json([[offer_id] for offer_id in offer_ids])],
    )


def _update_offers(cursor, rows: list[list], now) -> None:
    if not rows:
        return
    columns = [("id", "bigint"), *_OFFER_COLUMNS]
    offer = _table(Offer)
    assignments = ", ".join(f"{name} = r.{name}" for name, _type in _OFFER_COLUMNS)
    cursor.execute(
        f"UPDATE {offer} SET {assignments}, is_withdrawn = false, updated_at = %s "
        f"FROM {_rows(columns)} AS r WHERE {offer}.id = r.id",
        [now, _json(rows)],
    )


def _withdraw_offers(cursor, offer_ids: list[int], now) -> None:
    if not offer_ids:
        return
    cursor.execute(
        f"UPDATE {_table(Offer)} SET is_withdrawn = true, updated_at = %s "
        f"WHERE id IN (SELECT r.id FROM {_rows([('id', 'bigint')])} AS r)",
        [now, _json([[offer_id] for offer_id in offer_ids])],
    )


def _replace_parameters(cursor, replaced_offers: list[int], rows: list[list]) -> None:
    """Drop the parameters of `replaced_offers`, then insert `rows` (offer, parameter, value)."""
    table = _table(OfferParameter)
    if replaced_offers:
        cursor.execute(
            f"DELETE FROM {table} WHERE offer_id IN "
            f"(SELECT r.id FROM {_rows([('id', 'bigint')])} AS r)",
            [_json([[offer_id] for offer_id in replaced_offers])],
        )
    if rows:
        columns = [("offer_id", "bigint"), ("parameter_id", "bigint"), ("value", "text")]
        cursor.execute(
            f"INSERT INTO {table} (offer_id, parameter_id, value) "
            f"SELECT r.offer_id, r.parameter_id, r.value FROM {_rows(columns)} AS r",
            [_json(rows)],
        )
