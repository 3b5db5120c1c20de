"""A spreadsheet is read and checked in a thread of its own and stored part by part while it is
read: the same catalog as the whole list imported at once, and nothing of it when any part is
bad or the import fails on the way."""

import io
import threading

import pytest
from openpyxl import Workbook

from procurement.catalog.models import Offer, Shop
from procurement.pricelists import apply, stream
from procurement.pricelists.errors import ImportFailed
from procurement.pricelists.services import import_pricelist
from tests.support.factories import SupplierFactory
from tests.support.pricelists import as_yaml, catalog_snapshot, generated

pytestmark = pytest.mark.django_db


def postgres_only() -> None:
    if not stream.stores_while_reading():
        pytest.skip("SQLite reads a sheet whole before it writes (its writers take turns)")


HEADER = ["id", "category", "category_name", "model", "name", "price", "price_rrc", "quantity"]
PARAMETERS = ["Цвет", "Вес", "Smart"]


@pytest.fixture(autouse=True)
def parts_of_three(monkeypatch):
    monkeypatch.setattr(stream, "PART_SIZE", 3)


def rows_of(document: dict) -> list[list]:
    names = {category["id"]: category["name"] for category in document["categories"]}
    rows: list[list] = [[*HEADER, *(f"param:{name}" for name in PARAMETERS)]]
    for good in document["goods"]:
        values = good["parameters"]
        rows.append(
            [
                good["id"],
                good["category"],
                names[good["category"]],
                good["model"],
                good["name"],
                good["price"],
                good["price_rrc"],
                good["quantity"],
                *(
                    str(values[name]).lower() if name == "Smart" else values[name]
                    for name in PARAMETERS
                ),
            ]
        )
    return rows


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    return "\n".join(",".join(str(value) for value in row) for row in rows).encode()


def shop_catalog(supplier) -> dict:
    """The supplier's catalog without ids and times: what two imports of one list agree on."""
    shop = Shop.objects.get(user=supplier)
    return {
        "name": shop.name,
        "categories": sorted(shop.categories.values_list("id", "name")),
        "offers": {
            offer.external_id: (
                offer.product.category_id,
                offer.product.name,
                offer.model,
                offer.price,
                offer.price_rrc,
                offer.quantity,
                offer.is_withdrawn,
                offer.search_text,
                tuple(
                    (item.parameter.name, item.value)
                    for item in offer.parameters.select_related("parameter").order_by("id")
                ),
            )
            for offer in Offer.objects.filter(shop=shop).select_related("product")
        },
    }


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_sheet_stored_in_parts_is_the_catalog_the_whole_list_gives(supplier, fmt):
    document = generated(11)
    supplier.company = document["shop"]
    supplier.save()
    other = SupplierFactory()
    import_pricelist(supplier=other, data=as_yaml(document), source="x.yaml")

    data = xlsx(rows_of(document)) if fmt == "xlsx" else csv_bytes(rows_of(document))
    result = import_pricelist(supplier=supplier, data=data, source="x", filename=f"x.{fmt}")

    assert (result.created, result.updated, result.withdrawn, result.total) == (11, 0, 0, 11)
    assert shop_catalog(supplier) == shop_catalog(other)
    assert len(shop_catalog(supplier)["offers"]) == 11


def counts_of_an_import(supplier, goods: int) -> list[tuple[int, int | None]]:
    """The (processed, total) an import of a sheet of `goods` reports, in order."""
    counts: list[tuple[int, int | None]] = []
    import_pricelist(
        supplier=supplier,
        data=xlsx(rows_of(generated(goods))),
        source="x",
        filename="x.xlsx",
        count=lambda processed, total: counts.append((processed, total)),
    )
    return counts


def test_the_goods_count_up_part_by_part(supplier):
    postgres_only()
    # The total is known only once the sheet is read to its end.
    assert counts_of_an_import(supplier, 11) == [
        (3, None),
        (6, None),
        (9, None),
        (11, None),
        (11, 11),
    ]


def test_sqlite_reads_the_whole_sheet_before_it_writes(supplier):
    if stream.stores_while_reading():
        pytest.skip("PostgreSQL stores a sheet while it is read")
    assert counts_of_an_import(supplier, 11)[0] == (0, 11)


def test_a_changed_sheet_in_parts_updates_withdraws_and_creates(supplier):
    document = generated(10)
    import_pricelist(supplier=supplier, data=xlsx(rows_of(document)), source="x", filename="x.xlsx")
    document["goods"][1]["price"] = 5000
    document["goods"][7]["parameters"]["Цвет"] = "белый"  # id 8
    del document["goods"][4]
    document["goods"].append({**document["goods"][0], "id": 500, "name": "New"})

    result = import_pricelist(
        supplier=supplier, data=xlsx(rows_of(document)), source="x", filename="x.xlsx"
    )

    assert (result.created, result.updated, result.withdrawn) == (1, 2, 1)
    offers = shop_catalog(supplier)["offers"]
    assert offers[2][3] == 5000
    assert offers[5][6] is True
    assert offers[500][1] == "New"
    assert ("Цвет", "белый") in offers[8][8]
    assert [offer for offer in offers.values() if offer[6]] == [offers[5]]


@pytest.mark.parametrize("first", [True, False])
def test_a_problem_in_the_last_part_leaves_the_catalog_as_it_was(supplier, first):
    if not first:
        import_pricelist(supplier=supplier, data=as_yaml(generated(4)), source="x.yaml")
    rows = rows_of(generated(10))
    rows[-1][5] = -1  # the last good's price
    rows[8][0] = rows[2][0]  # and a good repeats an id stored in the first part
    before = catalog_snapshot()

    with pytest.raises(ImportFailed) as caught:
        import_pricelist(supplier=supplier, data=xlsx(rows), source="x", filename="x.xlsx")

    assert catalog_snapshot() == before
    assert [problem["message"] for problem in caught.value.problems] == [
        "goods[7] (id 2), cell A9: id: Duplicate good id.",
        "goods[9] (id 10), cell F11: price: Must not be negative.",
    ]


def test_a_preview_names_the_same_problems_as_the_import(supplier):
    rows = rows_of(generated(10))
    rows[5][7] = "много"
    rows[6][2] = "Другое имя"
    problems = []
    for dry_run in (True, False):
        with pytest.raises(ImportFailed) as caught:
            import_pricelist(
                supplier=supplier, data=xlsx(rows), source="x", filename="x.xlsx", dry_run=dry_run
            )
        problems.append(caught.value.problems)
    assert problems[0] == problems[1]
    assert [problem["message"] for problem in problems[0]] == [
        "cell C7: category_name: Category 900 is named “Category 0” in an earlier row."
    ]


def test_a_bad_category_is_named_once_and_its_goods_are_not_called_unknown(supplier):
    rows = rows_of(generated(10))
    for row in rows[1:]:
        if row[1] == 901:
            row[2] = "К" * 300
    before = catalog_snapshot()
    problems = []
    for dry_run in (True, False):
        with pytest.raises(ImportFailed) as caught:
            import_pricelist(
                supplier=supplier, data=xlsx(rows), source="x", filename="x.xlsx", dry_run=dry_run
            )
        problems.append([problem["message"] for problem in caught.value.problems])
    assert catalog_snapshot() == before
    assert (
        problems[0]
        == problems[1]
        == ["categories[1] (id 901), cell C3: name: At most 80 characters are allowed (got 300)."]
    )


def test_a_failure_while_storing_stops_the_reader_and_writes_nothing(supplier, monkeypatch):
    postgres_only()
    rows = rows_of(generated(30))
    stored = []
    upsert = apply._upsert_products

    def failing(cursor, goods):
        stored.append(len(goods))
        if len(stored) == 2:
            raise RuntimeError("the database went away")
        return upsert(cursor, goods)

    monkeypatch.setattr(apply, "_upsert_products", failing)
    before = catalog_snapshot()

    with pytest.raises(RuntimeError, match="went away"):
        import_pricelist(supplier=supplier, data=xlsx(rows), source="x", filename="x.xlsx")

    assert catalog_snapshot() == before
    assert stored == [3, 3]
    assert not [thread for thread in threading.enumerate() if thread.name == "price-list reader"]


def test_a_sheet_that_breaks_midway_is_refused_with_nothing_written(supplier):
    rows = rows_of(generated(10))
    data = csv_bytes(rows) + b'\n11,900,"unclosed'
    before = catalog_snapshot()
    with pytest.raises(ImportFailed) as caught:
        import_pricelist(supplier=supplier, data=data, source="x", filename="x.csv")
    assert catalog_snapshot() == before
    assert caught.value.problems[0]["row"] == 12
