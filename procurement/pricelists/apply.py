# ruff: noqa: S608 - statements are built from table names and fixed column lists; values are parameters.
"""Write a checked PriceList into the catalog: one transaction, a fixed number of statements.

Categories, products and parameter names are upserted here, with their rows as one JSON
array per statement (`procurement.core.bulk_sql`), so the number of statements does not
grow with the number of goods; the shop's offers are then replaced by
`procurement.catalog.offers`, their one writer.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.accounts.models import User
from procurement.catalog import offers
from procurement.catalog.models import Category, Offer, Parameter, Product, Shop
from procurement.core.bulk_sql import as_json, json_rows, table
from procurement.pricelists.errors import readable
from procurement.pricelists.validate import Good, PriceList

Progress = Callable[[str], None]
# Goods processed so far, and how many the list has.
Count = Callable[[int, int], None]
COUNT_EVERY = 1000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ImportResult:
    shop_id: int | None  # None: a preview of a first price list
    created: int
    updated: int
    withdrawn: int
    warnings: list[dict]  # what the list asked for and did not get, e.g. a shared category renamed
    changes: list[dict] = field(default_factory=list)  # a preview's sample of the changes


def counted(items: Iterable[T], total: int, count: Count | None) -> Iterator[T]:
    """`items`, reporting every COUNT_EVERY how many went by, and the total at the end."""
    if count is None:
        yield from items
        return
    done = 0
    for done, item in enumerate(items, start=1):
        yield item
        if done % COUNT_EVERY == 0:
            count(done, total)
    count(total, total)


def preview_pricelist(
    *, supplier: User, price_list: PriceList, sample: int, count: Count | None = None
) -> ImportResult:
    """What applying `price_list` would change, and nothing written (no lock either: a
    preview describes the catalog as it was when it ran)."""
    shop = Shop.objects.filter(user=supplier).first()
    goods = (
        offers.ListedGood(
            external_id=good.external_id,
            category_id=good.category_id,
            product_name=good.name,
            model=good.model,
            quantity=good.quantity,
            price=good.price,
            price_rrc=good.price_rrc,
            parameters=good.parameters,
        )
        for good in counted(price_list.goods, len(price_list.goods), count)
    )
    changes = offers.preview_price_list(
        shop_id=shop.pk if shop else None, goods=goods, sample=sample
    )
    warnings = shop_name_warnings(shop=shop, asked=price_list.shop) if shop else []
    warnings += category_warnings(
        shop_id=shop.pk if shop else None, categories=price_list.categories
    )
    return ImportResult(
        shop_id=shop.pk if shop else None,
        created=changes.created,
        updated=changes.updated,
        withdrawn=changes.withdrawn,
        warnings=readable(warnings),
        changes=changes.sample,
    )


@transaction.atomic
def apply_pricelist(
    *,
    supplier: User,
    price_list: PriceList,
    progress: Progress | None = None,
    count: Count | None = None,
) -> ImportResult:
    """Make the supplier's shop offer exactly the goods of `price_list`; see the module docstring."""
    report = progress or (lambda stage: None)
    shop = _lock_or_create_shop(supplier=supplier, name=price_list.shop)
    warnings = shop_name_warnings(shop=shop, asked=price_list.shop)
    with connection.cursor() as cursor:
        report("categories")
        warnings += _upsert_categories(cursor, shop.pk, price_list.categories)
        report("products")
        product_ids = _upsert_products(cursor, price_list.goods)
        parameter_ids = _upsert_parameters(cursor, price_list.goods)
    report("offers")
    lines = (
        offers.PriceListLine(
            external_id=good.external_id,
            product_id=product_ids[good.category_id, good.name],
            model=good.model,
            quantity=good.quantity,
            price=good.price,
            price_rrc=good.price_rrc,
            product_name=good.name,
            parameters={parameter_ids[name]: value for name, value in good.parameters.items()},
        )
        for good in counted(price_list.goods, len(price_list.goods), count)
    )
    changes = offers.replace_price_list(shop_id=shop.pk, lines=lines, now=timezone.now())
    report("done")
    return ImportResult(
        shop_id=shop.pk,
        created=changes.created,
        updated=changes.updated,
        withdrawn=changes.withdrawn,
        warnings=readable(warnings),
    )


def new_shop_name(*, supplier: User, asked: str | None) -> str:
    """What a first price list names the shop: its `shop` value, else the supplier's company
    (a spreadsheet has no shop name), else the supplier's email."""
    return (asked or supplier.company or supplier.email)[: Shop._meta.get_field("name").max_length]


def shop_name_warnings(*, shop: Shop, asked: str | None) -> list[dict]:
    """A shop keeps its name whatever a later price list calls it (the supplier renames it
    with `POST partner/state`): the job says so when the list names it otherwise."""
    if not asked or asked == shop.name:
        return []
    message = _(
        "The shop keeps its name “%(kept)s”; the price list calls it “%(asked)s”. "
        "Rename the shop in its settings if you want that name."
    ) % {"kept": shop.name, "asked": asked}
    return [{"field": "shop", "warning": message}]


def _lock_or_create_shop(*, supplier: User, name: str | None) -> Shop:
    # No key update: imports of one shop still wait for each other, but a checkout's order
    # parts, which refer to the shop (a key-share lock), do not wait for the import while it
    # waits for their offers (a deadlock).
    shop = Shop.objects.select_for_update(no_key=True).filter(user=supplier).first()
    if shop is None:
        # The switch the supplier set before this first import, read under the lock that
        # `supplier_set_accepts_orders` takes, so a switch set meanwhile is not lost.
        accepts_orders = (
            User.objects.select_for_update()
            .filter(pk=supplier.pk)
            .values_list("new_shop_accepts_orders", flat=True)
            .get()
        )
        try:
            with transaction.atomic():
                return Shop.objects.create(
                    user=supplier,
                    name=new_shop_name(supplier=supplier, asked=name),
                    accepts_orders=accepts_orders,
                )
        except IntegrityError:  # a concurrent first import created it
            shop = Shop.objects.select_for_update(no_key=True).get(user=supplier)
    return shop


def _upsert_categories(
    cursor: CursorWrapper, shop_id: int, categories: dict[int, str]
) -> list[dict]:
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
    category, links = table(Category), table(Category.shops.through)
    ids = json_rows([("id", "bigint")])
    locks = connection.features.has_select_for_update
    cursor.execute(
        f"INSERT INTO {category} (id, name) SELECT r.id, r.name "
        f"FROM {json_rows([('id', 'bigint'), ('name', 'text')])} AS r WHERE true "
        "ON CONFLICT (id) DO NOTHING",
        [as_json(rows)],
    )
    category_ids = as_json([[row[0]] for row in rows])
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
    renamed_ids = as_json([[category_id] for category_id in renamed])
    cursor.execute(
        f"SELECT c.id, c.name FROM {category} AS c WHERE c.id IN (SELECT r.id FROM {ids} AS r) "
        f"ORDER BY c.id{' FOR UPDATE' if locks else ''}",
        [renamed_ids],
    )
    current = dict(cursor.fetchall())
    shared = _shared_categories(cursor, shop_id, renamed)
    renames = [
        [category_id, categories[category_id]]
        for category_id in renamed
        if category_id not in shared and current[category_id] != categories[category_id]
    ]
    if renames:
        cursor.execute(
            f"UPDATE {category} SET name = r.name "
            f"FROM {json_rows([('id', 'bigint'), ('name', 'text')])} AS r WHERE {category}.id = r.id",
            [as_json(renames)],
        )
    return _kept_name_warnings(categories, current, shared)


def category_warnings(*, shop_id: int | None, categories: dict[int, str]) -> list[dict]:
    """The warnings an import of `categories` would give (see `_upsert_categories`), read
    without writing or locking, for a preview; `shop_id` None: the supplier has no shop yet."""
    ids = json_rows([("id", "bigint")])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, c.name FROM {table(Category)} AS c "
            f"WHERE c.id IN (SELECT r.id FROM {ids} AS r)",
            [as_json([[category_id] for category_id in categories])],
        )
        current = dict(cursor.fetchall())
        renamed = sorted(
            category_id for category_id, name in current.items() if name != categories[category_id]
        )
        if not renamed:
            return []
        # No shop has the id 0: a first list shares a category with every shop using it.
        shared = _shared_categories(cursor, shop_id or 0, renamed)
    return _kept_name_warnings(categories, current, shared)


def _shared_categories(cursor: CursorWrapper, shop_id: int, category_ids: list[int]) -> set[int]:
    """Which of these categories another shop lists or files goods under."""
    links, product, offer = table(Category.shops.through), table(Product), table(Offer)
    ids = json_rows([("id", "bigint")])
    payload = as_json([[category_id] for category_id in category_ids])
    cursor.execute(
        f"SELECT l.category_id FROM {links} AS l WHERE l.shop_id <> %s "
        f"AND l.category_id IN (SELECT r.id FROM {ids} AS r) "
        f"UNION SELECT p.category_id FROM {product} AS p JOIN {offer} AS o ON o.product_id = p.id "
        f"WHERE o.shop_id <> %s AND p.category_id IN (SELECT r.id FROM {ids} AS r)",
        [shop_id, payload, shop_id, payload],
    )
    return {category_id for (category_id,) in cursor.fetchall()}


def _kept_name_warnings(
    categories: dict[int, str], current: dict[int, str], shared: set[int]
) -> list[dict]:
    """A warning for each category of the list that keeps another name, being shared."""
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


def _upsert_products(cursor: CursorWrapper, goods: list[Good]) -> dict[tuple[int, str], int]:
    """Products by (category, name), created where missing → their ids.

    Read first, then insert only the missing ones: most goods of a list name products that
    exist (another shop's, or the last import's), and an INSERT … ON CONFLICT still probes
    the unique index and locks for each of them."""
    keys = sorted({(good.category_id, good.name) for good in goods})
    if not keys:
        return {}
    product = table(Product)
    rows = json_rows([("category_id", "bigint"), ("name", "text")])
    select = (
        f"SELECT p.category_id, p.name, p.id FROM {product} AS p JOIN {rows} AS r "
        "ON p.category_id = r.category_id AND p.name = r.name"
    )
    cursor.execute(select, [as_json(keys)])
    ids = {(category_id, name): product_id for category_id, name, product_id in cursor.fetchall()}
    missing = [key for key in keys if key not in ids]
    if missing:
        cursor.execute(
            f"INSERT INTO {product} (category_id, name) SELECT r.category_id, r.name "
            f"FROM {rows} AS r WHERE true ON CONFLICT (category_id, name) DO NOTHING "
            "RETURNING category_id, name, id",
            [as_json(missing)],
        )
        ids.update(((category_id, name), product_id) for category_id, name, product_id in cursor)
        # A concurrent import created these meanwhile (and committed, or the insert would
        # have waited for it): read their ids.
        created_elsewhere = [key for key in missing if key not in ids]
        if created_elsewhere:
            cursor.execute(select, [as_json(created_elsewhere)])
            ids.update(
                ((category_id, name), product_id)
                for category_id, name, product_id in cursor.fetchall()
            )
    return ids


def _upsert_parameters(cursor: CursorWrapper, goods: list[Good]) -> dict[str, int]:
    names = sorted({name for good in goods for name in good.parameters})
    if not names:
        return {}
    parameter = table(Parameter)
    rows = json_rows([("name", "text")])
    payload = as_json([[name] for name in names])
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
