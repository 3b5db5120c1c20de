# ruff: noqa: S608 - statements are built from table names and fixed column lists; values are parameters.
"""Write a checked price list into the catalog: one transaction, a fixed number of
statements for each part of the list (a whole list is one part; a spreadsheet is stored in
parts while it is read, see `procurement.pricelists.stream`).

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
from procurement.core.bulk_sql import as_json, check_constraints_at_once, json_rows, table
from procurement.pricelists.errors import readable
from procurement.pricelists.validate import Good, PriceList

Progress = Callable[[str], None]
# Goods processed so far, and how many the list has (None: not known yet).
Count = Callable[[int, int | None], None]
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
    total: int = 0  # how many goods the list has


def counted(
    items: Iterable[T], total: int | None, count: Count | None, *, start: int = 0
) -> Iterator[T]:
    """`items`, reporting every COUNT_EVERY how many went by (after the `start` that went
    before them), and how many at their end."""
    if count is None:
        yield from items
        return
    done = start
    for done, item in enumerate(items, start=start + 1):
        yield item
        if done % COUNT_EVERY == 0:
            count(done, total)
    count(done, total)


def preview_pricelist(
    *, supplier: User, price_list: PriceList, sample: int, count: Count | None = None
) -> ImportResult:
    """What applying `price_list` would change, and nothing written (no lock either: a
    preview describes the catalog as it was when it ran)."""
    shop = Shop.objects.filter(user=supplier).first()
    shop_id = shop.pk if shop else None
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
    categories, kept_names = category_preview(shop_id=shop_id, categories=price_list.categories)
    categories = categories[:sample]
    changes = offers.preview_price_list(
        shop_id=shop_id, goods=goods, sample=sample - len(categories)
    )
    warnings = shop_name_warnings(shop=shop, asked=price_list.shop) if shop else []
    return ImportResult(
        shop_id=shop_id,
        created=changes.created,
        updated=changes.updated,
        withdrawn=changes.withdrawn,
        warnings=readable(warnings + kept_names),
        changes=categories + changes.sample,
        total=len(price_list.goods),
    )


# A part of a price list: goods, and the categories they are filed under (id → name).
Part = tuple[list[Good], dict[int, str]]


def apply_pricelist(
    *,
    supplier: User,
    price_list: PriceList,
    progress: Progress | None = None,
    count: Count | None = None,
) -> ImportResult:
    """Make the supplier's shop offer exactly the goods of `price_list`; see `apply_parts`."""
    return apply_parts(
        supplier=supplier,
        shop_name=price_list.shop,
        parts=[(price_list.goods, price_list.categories)],
        categories=price_list.categories,
        total=len(price_list.goods),
        progress=progress,
        count=count,
    )


@transaction.atomic
def apply_parts(
    *,
    supplier: User,
    shop_name: str | None,
    parts: Iterable[Part],
    categories: dict[int, str] | Callable[[], dict[int, str]],
    total: int | None = None,
    progress: Progress | None = None,
    count: Count | None = None,
) -> ImportResult:
    """Make the supplier's shop offer exactly the goods of a price list given in `parts`, as
    it is read; `categories`: the list's categories, or how to get them once the parts are
    over (a spreadsheet names them in its rows); `total`: how many goods, when known.

    Each part's categories, products and parameter names are created as it comes and its new
    offers stored, so the database does that work while the next part is read; the foreign
    keys are checked at each statement for the same reason (rather than all at commit).
    The shop's categories are linked (and renamed) before the parts when they are known,
    else after them; then the existing offers are changed or withdrawn.
    """
    report = progress or (lambda stage: None)
    shop = _lock_or_create_shop(supplier=supplier, name=shop_name)
    warnings = shop_name_warnings(shop=shop, asked=shop_name)
    writer = offers.PriceListWriter(shop_id=shop.pk, now=timezone.now())
    parameter_ids: dict[str, int] = {}
    done = 0
    with connection.cursor() as cursor:
        check_constraints_at_once(cursor)
        category_names: dict[int, str] = {}  # as the catalog has them
        if isinstance(categories, dict):
            # A rename waits for the imports filing goods under the category before this
            # import has created any product another import might wait for.
            report("categories")
            category_names = _insert_categories(cursor, categories)
            warnings += _link_categories(cursor, shop.pk, categories, category_names)
        for goods, part_categories in parts:
            report("categories")
            new = {key: name for key, name in part_categories.items() if key not in category_names}
            category_names.update(_insert_categories(cursor, new))
            report("products")
            product_ids = _upsert_products(cursor, goods)
            names = {name for good in goods for name in good.parameters}
            parameter_ids.update(_upsert_parameters(cursor, names - parameter_ids.keys()))
            report("offers")
            writer.add(
                offers.PriceListLine(
                    external_id=good.external_id,
                    product_id=product_ids[good.category_id, good.name],
                    model=good.model,
                    quantity=good.quantity,
                    price=good.price,
                    price_rrc=good.price_rrc,
                    product_name=good.name,
                    parameters={
                        parameter_ids[name]: value for name, value in good.parameters.items()
                    },
                )
                for good in counted(goods, total, count, start=done)
            )
            done += len(goods)
        if not isinstance(categories, dict):
            listed = categories()
            # A list's categories without goods are in no part.
            without_goods = {key: name for key, name in listed.items() if key not in category_names}
            category_names.update(_insert_categories(cursor, without_goods))
            warnings += _link_categories(cursor, shop.pk, listed, category_names)
    changes = writer.finish()
    if count is not None:
        count(done, done)
    report("done")
    return ImportResult(
        shop_id=shop.pk,
        created=changes.created,
        updated=changes.updated,
        withdrawn=changes.withdrawn,
        warnings=readable(warnings),
        total=done,
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


def _insert_categories(cursor: CursorWrapper, categories: dict[int, str]) -> dict[int, str]:
    """Create the categories that do not exist yet, and hold a key-share lock on all of them
    until the import commits, taken before any product is filed under them.

    Categories are shared by every shop, so a price list never renames one that another shop
    lists or files goods under (`_link_categories`). A rename first takes the category FOR
    UPDATE, which waits for the imports still filing goods under it, so its check sees
    them. (SQLite has no row locks: its writers take turns.) → their names, as they stay
    until the import commits."""
    if not categories:
        return {}
    rows = sorted(categories.items())
    cursor.execute(
        f"INSERT INTO {table(Category)} (id, name) SELECT r.id, r.name "
        f"FROM {json_rows([('id', 'bigint'), ('name', 'text')])} AS r WHERE true "
        "ON CONFLICT (id) DO NOTHING",
        [as_json(rows)],
    )
    return _category_names(
        cursor, [category_id for category_id, _name in rows], lock="FOR KEY SHARE"
    )


def _category_names(
    cursor: CursorWrapper, category_ids: list[int], *, lock: str = ""
) -> dict[int, str]:
    """The names of these categories (id → name), read with the row `lock` where the
    database has row locks, in id order."""
    locking = lock and connection.features.has_select_for_update
    cursor.execute(
        f"SELECT c.id, c.name FROM {table(Category)} AS c "
        f"WHERE c.id IN (SELECT r.id FROM {json_rows([('id', 'bigint')])} AS r) "
        f"ORDER BY c.id{' ' + lock if locking else ''}",
        [as_json([[category_id] for category_id in category_ids])],
    )
    return dict(cursor.fetchall())


def _link_categories(
    cursor: CursorWrapper, shop_id: int, categories: dict[int, str], names: dict[int, str]
) -> list[dict]:
    """Link the shop to exactly the list's categories (created by `_insert_categories`, which
    read their `names`), and rename those the list names differently → warnings about the
    ones left as they were, because another shop lists them or files goods under them."""
    category, links = table(Category), table(Category.shops.through)
    ids = json_rows([("id", "bigint")])
    category_ids = as_json(sorted([category_id] for category_id in categories))
    renamed = sorted(
        category_id for category_id, name in categories.items() if names[category_id] != name
    )
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
    current = _category_names(cursor, renamed, lock="FOR UPDATE")
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


def category_preview(
    *, shop_id: int | None, categories: dict[int, str]
) -> tuple[list[dict], list[dict]]:
    """What an import of `categories` would do to the shop's (see `_link_categories`), read
    without writing or locking, for a preview → (the changes: each category renamed, then
    each listed and unlisted, by id; the warnings it would give). `shop_id` None: the
    supplier has no shop yet, and every category of the list is its first."""
    with connection.cursor() as cursor:
        current = _category_names(cursor, list(categories))
        renamed = sorted(
            category_id for category_id, name in current.items() if name != categories[category_id]
        )
        # No shop has the id 0: a first list shares a category with every shop using it.
        shared = _shared_categories(cursor, shop_id or 0, renamed) if renamed else set()
        linked = _linked_categories(cursor, shop_id) if shop_id is not None else None
    changes = [
        {
            "section": "categories",
            "id": category_id,
            "name": categories[category_id],
            "change": "renamed",
            "old_name": current[category_id],
        }
        for category_id in renamed
        if category_id not in shared
    ]
    if linked is not None:
        changes += [
            {"section": "categories", "id": category_id, "name": name, "change": "listed"}
            for category_id, name in sorted(categories.items())
            if category_id not in linked
        ]
        changes += [
            {"section": "categories", "id": category_id, "name": name, "change": "unlisted"}
            for category_id, name in sorted(linked.items())
            if category_id not in categories
        ]
    return changes, _kept_name_warnings(categories, current, shared)


def _linked_categories(cursor: CursorWrapper, shop_id: int) -> dict[int, str]:
    """The categories the shop lists now (id → name)."""
    category, links = table(Category), table(Category.shops.through)
    cursor.execute(
        f"SELECT c.id, c.name FROM {category} AS c JOIN {links} AS l ON l.category_id = c.id "
        "WHERE l.shop_id = %s",
        [shop_id],
    )
    return dict(cursor.fetchall())


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


def _upsert_parameters(cursor: CursorWrapper, names: Iterable[str]) -> dict[str, int]:
    """Parameter names, created where missing → their ids."""
    names = sorted(names)
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
