from decimal import Decimal

import pytest

from procurement.pricelists.validate import (
    MAX_ERRORS,
    Good,
    PriceListInvalid,
    validate_pricelist,
)
from tests.support.pricelists import generated, shop1_document, with_good

FIRST_ID = 4216292


def errors_of(document) -> list[dict]:
    with pytest.raises(PriceListInvalid) as caught:
        validate_pricelist(document)
    return caught.value.problems


def test_shop1_is_valid_and_normalised():
    price_list = validate_pricelist(shop1_document())
    assert price_list.shop == "Связной"
    assert price_list.categories == {
        224: "Смартфоны",
        15: "Аксессуары",
        1: "Flash-накопители",
        5: "Телевизоры",
    }
    assert len(price_list.goods) == 14
    assert price_list.goods[0] == Good(
        external_id=FIRST_ID,
        category_id=224,
        model="apple/iphone/xs-max",
        name="Смартфон Apple iPhone XS Max 512GB (золотистый)",
        price=Decimal("110000.00"),
        price_rrc=Decimal("116990.00"),
        quantity=14,
        parameters={
            "Диагональ (дюйм)": "6.5",
            "Разрешение (пикс)": "2688x1242",
            "Встроенная память (Гб)": "512",
            "Цвет": "золотистый",
        },
    )
    assert price_list.goods[-1].parameters["Smart TV"] == "true"


def test_fractional_prices_and_integral_float_quantity_are_accepted():
    document = with_good(shop1_document(), 0, price=99.99, price_rrc=0, quantity=3.0)
    good = validate_pricelist(document).goods[0]
    assert (good.price, good.price_rrc, good.quantity) == (Decimal("99.99"), Decimal("0.00"), 3)


def test_model_and_parameters_are_optional():
    good = validate_pricelist(with_good(shop1_document(), 0, model=..., parameters=...)).goods[0]
    assert (good.model, good.parameters) == ("", {})


@pytest.mark.parametrize(
    "field, value, problem",
    [
        ("price", ..., "required"),
        ("name", ..., "required"),
        ("category", ..., "required"),
        ("quantity", ..., "required"),
        ("price", "110000", "Expected a number"),
        ("price", True, "Expected a number"),
        ("price", -1, "negative"),
        ("price", 1.005, "2 decimal places"),
        ("price", 10**10, "greater than"),
        ("price", float("inf"), "Expected a number"),
        ("price_rrc", [1], "Expected a number"),
        ("quantity", True, "whole number"),
        ("quantity", 1.5, "whole number"),
        ("quantity", -1, "whole number"),
        ("quantity", "5", "whole number"),
        ("quantity", 2**31, "whole number"),
        ("id", "abc", "whole number"),
        ("id", 0, "whole number"),
        ("id", True, "whole number"),
        ("id", 2**63, "whole number"),
        ("category", 999, "Unknown category"),
        ("category", "224", "whole number"),
        ("name", "", "empty"),
        ("name", "\u200b", "empty"),  # a zero-width space: nothing anyone can see
        ("name", "\u200e\u2060\ufeff", "empty"),
        ("parameters", {"\u200b": "x"}, "empty"),
        ("name", 42, "Expected text"),
        ("name", "x" * 201, "At most 200"),
        ("name", "bad\x00name", "NUL"),
        ("name", "lone \ud800", "Unicode"),
        ("model", "m" * 101, "At most 100"),
        ("parameters", ["a", "b"], "mapping"),
        ("parameters", {"Цвет": ["a"]}, "Цвет"),
        ("parameters", {"Цвет": None}, "Цвет"),
        ("parameters", {"": "x"}, "empty"),
        ("parameters", {"p" * 101: "x"}, "At most 100"),
        ("parameters", {"Цвет": "v" * 256}, "At most 255"),
        ("parameters", {1: "x"}, "names must be text"),
        ("parameters", {"Цвет": "a", " Цвет ": "b"}, " Цвет : Given twice."),
        ("parameters", {"Цвет": "", "Цвет ": "b"}, "Цвет : Given twice."),
    ],
)
def test_a_bad_field_is_reported_with_index_id_and_field(field, value, problem):
    errors = errors_of(with_good(shop1_document(), 3, **{field: value}))
    assert len(errors) == 1, errors
    error = errors[0]
    shown_id = 4672670
    if field == "id":
        shown_id = None if isinstance(value, bool) else value
    assert {key: error[key] for key in ("section", "index", "id", "field")} == {
        "section": "goods",
        "index": 3,
        "id": shown_id,
        "field": field,
    }
    assert problem in error["error"]


def test_duplicate_good_id_is_reported_on_the_second_occurrence():
    errors = errors_of(with_good(shop1_document(), 5, id=FIRST_ID))
    assert errors == [
        {
            "section": "goods",
            "index": 5,
            "id": FIRST_ID,
            "field": "id",
            "error": "Duplicate good id.",
        }
    ]


def test_duplicate_category_id_is_reported():
    document = shop1_document()
    document["categories"].append({"id": 224, "name": "Again"})
    assert errors_of(document) == [
        {
            "section": "categories",
            "index": 4,
            "id": 224,
            "field": "id",
            "error": "Duplicate category id.",
        }
    ]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"shop": ""}, "shop"),
        ({"shop": "s" * 101}, "shop"),
        ({"categories": ...}, "categories"),
        ({"categories": []}, "categories"),
        ({"goods": ...}, "goods"),
        ({"goods": {"id": 1}}, "goods"),
    ],
)
def test_top_level_problems(change, field):
    document = shop1_document()
    for key, value in change.items():
        if value is ...:
            del document[key]
        else:
            document[key] = value
    assert [error["field"] for error in errors_of(document)] == [field]


@pytest.mark.parametrize("document", [None, [], "shop", 5])
def test_a_document_that_is_not_a_mapping_is_refused(document):
    assert len(errors_of(document)) == 1


def test_bad_category_entries_are_reported():
    document = shop1_document()
    document["categories"][1] = {"id": 15, "name": "n" * 81}
    document["categories"][2] = "Flash"
    errors = errors_of(document)
    assert [(e["section"], e["index"], e["field"]) for e in errors] == [
        ("categories", 1, "name"),
        ("categories", 2, ""),
    ]


def test_every_problem_is_listed_up_to_the_cap():
    document = generated(500)
    for good in document["goods"]:
        good["price"] = -1
        good["quantity"] = "many"
    errors = errors_of(document)
    assert len(errors) == MAX_ERRORS + 1
    assert errors[0]["index"] == 0 and errors[1]["field"] == "quantity"
    assert "first 100" in errors[-1]["error"]
