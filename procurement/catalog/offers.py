# ruff: noqa: S608 - statements are built from table and column names of the models; values are parameters.
"""The one writer of offers: nothing else inserts, updates or deletes offer rows or their
parameter values (the admin's own form aside, which then calls `refresh_search_text`).

- `PriceListWriter`: a shop's offers become exactly the lines of its price list (the
  import's bulk upsert and withdrawal), in a fixed number of statements for each part of
  the list.
- `preview_price_list`: what `PriceListWriter` would change, without writing.
- `take_stock`, `return_stock`: placing and canceling an order.
- `refresh_search_text`: after the admin changed an offer, its parameters or its product.

Rows travel as JSON, new offers and parameter values by COPY on PostgreSQL
(`procurement.core.bulk_sql`); the columns come from the model's
`_meta` (`SHOWN_FIELDS`, `PRICE_LIST_FIELDS`), which the catalog's serializer and the
export use too. Offers are locked in primary-key order whenever several change at once,
as placing an order does, so these writers wait for each other instead of deadlocking.
(SQLite has no row locks: its writers take turns.) The lock order of every writer is in
(docs/architecture.md: Transactions and locks).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Field

from procurement.catalog.models import Offer, OfferParameter, Parameter
from procurement.catalog.search import normalize
from procurement.core.bulk_sql import (
    as_json,
    copies_rows,
    copy_rows,
    json_rows,
    next_ids,
    sql_type,
    table,
)

# An offer as price lists and the catalog show it, in the model's order: every column but
# what the catalog keeps for itself (the withdrawn flag, and the search text and update time,
# which nobody edits).
SHOWN_FIELDS: tuple[Field, ...] = tuple(
    field
    for field in Offer._meta.concrete_fields
    if field.editable and field.name != "is_withdrawn"
)
# What a line of a price list sets: the above but the offer's own id and its shop.
PRICE_LIST_FIELDS: tuple[Field, ...] = tuple(
    field for field in SHOWN_FIELDS if not field.primary_key and field.name != "shop"
)
# What the import writes and compares: the line's columns and the search text made of them.
_WRITTEN: tuple[Field, ...] = (*PRICE_LIST_FIELDS, Offer._meta.get_field("search_text"))
_ID = Offer._meta.pk
_EXTERNAL_ID = _WRITTEN.index(Offer._meta.get_field("external_id"))


@dataclass(frozen=True, slots=True)
class PriceListLine:
    """One good of a price list, as the offer of its shop. Its attributes are the attnames of
    PRICE_LIST_FIELDS (read by name), and what the search text is made of."""

    external_id: int
    product_id: int
    model: str
    quantity: int
    price: Decimal
    price_rrc: Decimal
    product_name: str
    parameters: dict[int, str]  # parameter id → value, in the order of the price list


@dataclass(frozen=True, slots=True)
class OfferChanges:
    created: int
    updated: int
    withdrawn: int


_line_values = attrgetter(*(field.attname for field in PRICE_LIST_FIELDS))


def search_text(*, product_name: str, model: str, parameter_values: Iterable[object]) -> str:
    """What the catalog search matches: the product's name, the model and the parameter
    values, folded as search queries are (see `procurement.catalog.search`)."""
    parts = [product_name, model, *(str(value) for value in parameter_values)]
    return normalize(" ".join(part for part in parts if part))


class PriceListWriter:
    """Makes a shop offer exactly the lines of a price list, given in parts as the list is
    read: offers are matched by `external_id` and updated in place (only those whose values
    or parameters changed), new ones created, the shop's other offers withdrawn (hidden,
    never deleted: orders point to them).

    Runs inside the import's transaction, which holds the shop's lock. The existing offers
    and their parameters are read once and compared in Python, so importing the same list
    again writes nothing. New offers are stored by each `add`, so the database stores them
    while the rest of the list is read; `finish` then changes the existing ones, all locked
    at once in primary-key order, and withdraws those the list left out.
    """

    def __init__(self, *, shop_id: int, now: datetime) -> None:
        self.shop_id, self.now = shop_id, now
        self.existing = _existing_offers(shop_id)
        self.existing_parameters = _existing_parameters(shop_id)
        self.created = 0
        self.listed: set[int] = set()
        self.changed_rows: list[tuple[Any, ...]] = []  # the offer's id, then the values written
        self.replaced_offers: list[int] = []  # offers whose parameters change
        self.parameter_rows: list[tuple[int, int, str]] = []  # offer id, parameter id, value

    def add(self, lines: Iterable[PriceListLine]) -> None:
        """Store the new offers among `lines`, and note what changes in the existing ones."""
        new_rows: list[tuple[Any, ...]] = []  # the values written, in the columns of _WRITTEN
        new_parameters: list[tuple[int, dict[int, str]]] = []  # external id, parameters
        listed, existing, existing_parameters = self.listed, self.existing, self.existing_parameters
        for line in lines:
            listed.add(line.external_id)
            current = existing.get(line.external_id)
            if current is None:
                new_rows.append((*_line_values(line), _search_text(line, line.parameters)))
                new_parameters.append((line.external_id, line.parameters))
                continue
            offer_id, current_values, withdrawn = current
            stored_parameters = existing_parameters.get(offer_id, {})
            same_parameters = stored_parameters == line.parameters
            # The order of a good's parameters is not data (a spreadsheet has one column
            # order for all goods): the same parameters in another order keep the stored ones.
            values = (
                *_line_values(line),
                _search_text(line, stored_parameters if same_parameters else line.parameters),
            )
            if values != current_values or withdrawn or not same_parameters:
                self.changed_rows.append((offer_id, *values))
            if not same_parameters:
                self.replaced_offers.append(offer_id)
                self.parameter_rows.extend((offer_id, *item) for item in line.parameters.items())
        if not new_rows:
            return
        with connection.cursor() as cursor:
            new_ids = _insert(cursor, self.shop_id, new_rows, self.now)
            _insert_parameters(
                cursor,
                [
                    (new_ids[external_id], *item)
                    for external_id, parameters in new_parameters
                    for item in parameters.items()
                ],
            )
        self.created += len(new_rows)

    def finish(self) -> OfferChanges:
        """Change the existing offers as the lines said, withdraw the others → what changed."""
        to_withdraw = [
            offer_id
            for external_id, (offer_id, _values, withdrawn) in self.existing.items()
            if external_id not in self.listed and not withdrawn
        ]
        with connection.cursor() as cursor:
            _lock(cursor, [row[0] for row in self.changed_rows] + to_withdraw)
            _update(cursor, self.changed_rows, self.now)
            _withdraw(cursor, to_withdraw, self.now)
            _replace_parameters(cursor, self.replaced_offers, self.parameter_rows)
        return OfferChanges(
            created=self.created, updated=len(self.changed_rows), withdrawn=len(to_withdraw)
        )


def _search_text(line: PriceListLine, parameters: dict[int, str]) -> str:
    return search_text(
        product_name=line.product_name, model=line.model, parameter_values=parameters.values()
    )


@dataclass(frozen=True, slots=True)
class ListedGood:
    """A good of a price list as a preview compares it: by names, as nothing is created."""

    external_id: int
    category_id: int
    product_name: str
    model: str
    quantity: int
    price: Decimal
    price_rrc: Decimal
    parameters: dict[str, str]  # parameter name → value


@dataclass(frozen=True, slots=True)
class PreviewedChanges:
    created: int
    updated: int
    withdrawn: int
    sample: list[dict[str, Any]]  # the first changes, at most the sample size asked


def preview_price_list(
    *, shop_id: int | None, goods: Iterable[ListedGood], sample: int
) -> PreviewedChanges:
    """What `PriceListWriter` would do with these goods, and nothing written: the same
    counts (an offer counts as updated under the same rule: any value, its product, its
    parameters, or its being withdrawn), and the first `sample` changes, each with its old
    and new price and quantity. Two reads, whatever the size."""
    existing: dict[int, tuple] = {}
    parameters: dict[int, dict[str, str]] = {}
    if shop_id is not None:
        rows = (
            Offer.objects.filter(shop_id=shop_id)
            .order_by("id")
            .values_list(
                "external_id",
                "id",
                "is_withdrawn",
                "product__category_id",
                "product__name",
                "model",
                "quantity",
                "price",
                "price_rrc",
            )
        )
        existing = {row[0]: row[1:] for row in rows.iterator(chunk_size=5000)}
        # The same read as the import's (by parameter id), then the few names: a join with
        # the parameter names is planned badly while a fresh import's statistics lag.
        by_id = _existing_parameters(shop_id)
        names = dict(
            Parameter.objects.filter(
                pk__in={parameter_id for values in by_id.values() for parameter_id in values}
            ).values_list("pk", "name")
        )
        parameters = {
            offer_id: {names[parameter_id]: value for parameter_id, value in values.items()}
            for offer_id, values in by_id.items()
        }
    created = updated = 0
    changes: list[dict[str, Any]] = []
    listed: set[int] = set()
    for good in goods:
        listed.add(good.external_id)
        current = existing.get(good.external_id)
        if current is None:
            created += 1
            if len(changes) < sample:
                changes.append(_previewed("created", good.external_id, good.product_name, good))
            continue
        offer_id, withdrawn, category_id, name, model, quantity, price, price_rrc = current
        if (
            withdrawn
            or (category_id, name, model, quantity, price, price_rrc)
            != (
                good.category_id,
                good.product_name,
                good.model,
                good.quantity,
                good.price,
                good.price_rrc,
            )
            or parameters.get(offer_id, {}) != good.parameters
        ):
            updated += 1
            if len(changes) < sample:
                change = _previewed("updated", good.external_id, good.product_name, good)
                if price != good.price:
                    change["price"] = [str(price), str(good.price)]
                if quantity != good.quantity:
                    change["quantity"] = [quantity, good.quantity]
                if name != good.product_name:
                    change["old_name"] = name
                changes.append(change)
    withdrawn_ids = [
        external_id
        for external_id, row in existing.items()
        if external_id not in listed and not row[1]
    ]
    for external_id in withdrawn_ids[: max(sample - len(changes), 0)]:
        row = existing[external_id]
        changes.append(
            {"id": external_id, "name": row[3], "change": "withdrawn", "price": str(row[6])}
        )
    return PreviewedChanges(
        created=created, updated=updated, withdrawn=len(withdrawn_ids), sample=changes
    )


def _previewed(kind: str, external_id: int, name: str, good: ListedGood) -> dict[str, Any]:
    change: dict[str, Any] = {"id": external_id, "name": name, "change": kind}
    if kind == "created":
        change.update(price=str(good.price), quantity=good.quantity)
    return change


def take_stock(*, quantities: Mapping[int, int]) -> bool:
    """Take `quantities` (offer id → units) in one round trip; False when an offer holds less
    than asked (that offer is left as it was, and the caller must roll back the others).

    The caller has locked the offers in primary-key order and checked their stock; the
    condition still keeps stock from ever going below zero.
    """
    offer = table(Offer)
    quantity = connection.ops.quote_name(Offer._meta.get_field("quantity").column)
    pk = connection.ops.quote_name(_ID.column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {offer} SET {quantity} = {quantity} - %s WHERE {pk} = %s AND {quantity} >= %s",
            [(units, offer_id, units) for offer_id, units in sorted(quantities.items())],
        )
        return cursor.rowcount == len(quantities)


def return_stock(*, quantities: Mapping[int, int]) -> None:
    """Give back `quantities` (offer id → units), in one statement that locks the offers in
    primary-key order."""
    if not quantities:
        return
    field = Offer._meta.get_field("quantity")
    column = connection.ops.quote_name(field.column)
    _update_in_order(
        [_ID, field],
        f"{column} = {table(Offer)}.{column} + r.{column}",
        sorted(quantities.items()),
    )


def refresh_search_text(*, offer_ids: Iterable[int]) -> int:
    """Make the search text of these offers follow their product's name, their model and
    their parameter values; → how many changed."""
    offer_ids = sorted(set(offer_ids))
    if not offer_ids:
        return 0
    parameter_values = defaultdict(list)
    for offer_id, value in (
        OfferParameter.objects.filter(offer_id__in=offer_ids)
        .order_by("id")
        .values_list("offer_id", "value")
    ):
        parameter_values[offer_id].append(value)
    offers = (
        Offer.objects.filter(pk__in=offer_ids)
        .order_by("pk")
        .values_list("pk", "product__name", "model", "search_text")
    )
    changed = []
    for offer_id, product_name, model, current in offers:
        text = search_text(
            product_name=product_name, model=model, parameter_values=parameter_values[offer_id]
        )
        if text != current:
            changed.append((offer_id, text))
    if changed:
        field = Offer._meta.get_field("search_text")
        column = connection.ops.quote_name(field.column)
        _update_in_order([_ID, field], f"{column} = r.{column}", changed)
    return len(changed)


def _columns(fields: Sequence[Field]) -> list[tuple[str, str]]:
    return [(field.column, sql_type(field)) for field in fields]


def _update_in_order(fields: Sequence[Field], assignments: str, values: list) -> None:
    """One UPDATE of the offers named by the first column of `values` (ids, ascending):
    PostgreSQL locks them in that order first, as placing an order does."""
    offer, pk = table(Offer), connection.ops.quote_name(_ID.column)
    source = json_rows(_columns(fields))
    if connection.features.has_select_for_update:
        statement = (
            f"WITH locked AS (SELECT o.{pk} FROM {offer} AS o "
            f"WHERE o.{pk} IN (SELECT r.{pk} FROM {source} AS r) ORDER BY o.{pk} FOR NO KEY UPDATE) "
            f"UPDATE {offer} SET {assignments} FROM locked JOIN {source} AS r ON r.{pk} = locked.{pk} "
            f"WHERE {offer}.{pk} = locked.{pk}"
        )
        parameters = [as_json(values), as_json(values)]
    else:
        statement = (
            f"UPDATE {offer} SET {assignments} FROM {source} AS r WHERE {offer}.{pk} = r.{pk}"
        )
        parameters = [as_json(values)]
    with connection.cursor() as cursor:
        cursor.execute(statement, parameters)


def _existing_offers(shop_id: int) -> dict[int, tuple[int, tuple, bool]]:
    """external id → (offer id, the values the import writes, withdrawn)."""
    offers = Offer.objects.filter(shop_id=shop_id).values_list(
        _ID.attname, "is_withdrawn", *(field.attname for field in _WRITTEN)
    )
    existing = {}
    for offer_id, withdrawn, *values in offers.iterator(chunk_size=5000):
        existing[values[_EXTERNAL_ID]] = (offer_id, tuple(values), withdrawn)
    return existing


def _existing_parameters(shop_id: int) -> dict[int, dict[int, str]]:
    """offer id → {parameter id: value} for every offer of the shop."""
    parameters: dict[int, dict[int, str]] = {}
    for offer_id, parameter_id, value in (
        OfferParameter.objects.filter(offer__shop_id=shop_id)
        .order_by("id")
        .values_list("offer_id", "parameter_id", "value")
    ):
        parameters.setdefault(offer_id, {})[parameter_id] = value
    return parameters


def _insert(
    cursor: CursorWrapper, shop_id: int, values: list[tuple], now: datetime
) -> dict[int, int]:
    """Create offers → {external id: new offer id}."""
    if not values:
        return {}
    if copies_rows():
        # Ids first, from the offer's sequence, so the rows can go by COPY (which returns
        # nothing); the rows get them in the list's order, as the INSERT below gives them.
        ids = next_ids(cursor, Offer, len(values))
        copy_rows(
            cursor,
            Offer,
            [_ID.column, "shop_id", "is_withdrawn", "updated_at", *(f.column for f in _WRITTEN)],
            (
                (offer_id, shop_id, False, now, *row)
                for offer_id, row in zip(ids, values, strict=True)
            ),
        )
        return {row[_EXTERNAL_ID]: offer_id for offer_id, row in zip(ids, values, strict=True)}
    names = ", ".join(field.column for field in _WRITTEN)
    selected = ", ".join(f"r.{field.column}" for field in _WRITTEN)
    cursor.execute(
        f"INSERT INTO {table(Offer)} (shop_id, is_withdrawn, updated_at, {names}) "
        f"SELECT %s, false, %s, {selected} FROM {json_rows(_columns(_WRITTEN))} AS r WHERE true "
        "RETURNING external_id, id",
        [shop_id, _timestamp(now), as_json(values)],
    )
    return dict(cursor.fetchall())


def _lock(cursor: CursorWrapper, offer_ids: list[int]) -> None:
    """Lock the offers about to change in primary-key order, as placing an order does.

    An UPDATE locks its rows in whatever order its plan visits them, and the import updates
    changed and withdrawn offers in two statements: a checkout holding offer 1 and waiting
    for offer 2 while the import holds 2 and waits for 1 is a deadlock. Taking every lock
    up front in the same order as checkouts makes one simply wait for the other.
    """
    if not offer_ids or not connection.features.has_select_for_update:
        return
    cursor.execute(
        f"SELECT o.id FROM {table(Offer)} AS o "
        f"WHERE o.id IN (SELECT r.id FROM {json_rows(_columns([_ID]))} AS r) "
        "ORDER BY o.id FOR NO KEY UPDATE",
        [as_json([[offer_id] for offer_id in offer_ids])],
    )


def _update(cursor: CursorWrapper, values: list[tuple[Any, ...]], now: datetime) -> None:
    if not values:
        return
    offer = table(Offer)
    assignments = ", ".join(f"{field.column} = r.{field.column}" for field in _WRITTEN)
    cursor.execute(
        f"UPDATE {offer} SET {assignments}, is_withdrawn = false, updated_at = %s "
        f"FROM {json_rows(_columns([_ID, *_WRITTEN]))} AS r WHERE {offer}.id = r.id",
        [_timestamp(now), as_json(values)],
    )


def _withdraw(cursor: CursorWrapper, offer_ids: list[int], now: datetime) -> None:
    if not offer_ids:
        return
    cursor.execute(
        f"UPDATE {table(Offer)} SET is_withdrawn = true, updated_at = %s "
        f"WHERE id IN (SELECT r.id FROM {json_rows(_columns([_ID]))} AS r)",
        [_timestamp(now), as_json([[offer_id] for offer_id in offer_ids])],
    )


_PARAMETER_FIELDS: list[Field] = [
    OfferParameter._meta.get_field("offer"),
    OfferParameter._meta.get_field("parameter"),
    OfferParameter._meta.get_field("value"),
]


def _replace_parameters(
    cursor: CursorWrapper, replaced_offers: list[int], values: list[tuple[int, int, str]]
) -> None:
    """Drop the parameters of `replaced_offers`, then insert `values` (offer, parameter, value)."""
    if replaced_offers:
        cursor.execute(
            f"DELETE FROM {table(OfferParameter)} WHERE {_PARAMETER_FIELDS[0].column} IN "
            f"(SELECT r.id FROM {json_rows(_columns([_ID]))} AS r)",
            [as_json([[offer_id] for offer_id in replaced_offers])],
        )
    _insert_parameters(cursor, values)


def _insert_parameters(cursor: CursorWrapper, values: list[tuple[int, int, str]]) -> None:
    """Insert parameter values (offer, parameter, value)."""
    if not values:
        return
    if copies_rows():
        copy_rows(cursor, OfferParameter, [field.column for field in _PARAMETER_FIELDS], values)
        return
    names = ", ".join(field.column for field in _PARAMETER_FIELDS)
    selected = ", ".join(f"r.{field.column}" for field in _PARAMETER_FIELDS)
    cursor.execute(
        f"INSERT INTO {table(OfferParameter)} ({names}) "
        f"SELECT {selected} FROM {json_rows(_columns(_PARAMETER_FIELDS))} AS r",
        [as_json(values)],
    )


def _timestamp(now: datetime) -> str | None:
    """`now` as the database takes it in a statement (Django's adapter for the backend)."""
    return connection.ops.adapt_datetimefield_value(now)
