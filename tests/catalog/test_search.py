import pytest

from procurement.catalog.search import PUNCTUATION, PUNCTUATION_LETTERS, search_words
from tests.support.factories import OfferFactory, OfferParameterFactory, ProductFactory

PRODUCTS = "/api/v1/products"

pytestmark = pytest.mark.django_db


def found(api_client, query: str) -> list[int]:
    response = api_client.get(PRODUCTS, {"search": query})
    assert response.status_code == 200, response.content
    return [offer["id"] for offer in response.json()["results"]]


@pytest.fixture
def iphone():
    return OfferFactory(
        product=ProductFactory(name="Смартфон Apple iPhone XS Max 512GB (золотистый)"),
        model="apple/iphone/xs-max",
        parameters={"Диагональ (дюйм)": 6.5, "Цвет": "Золотистый", "Встроенная память": "512 ГБ"},
    )


@pytest.fixture
def hedgehog():
    return OfferFactory(
        product=ProductFactory(name="Ёжик резиновый"),
        model="toys/ezhik",
        parameters={"Материал": "Резина"},
    )


def test_search_by_name(api_client, iphone, hedgehog):
    assert found(api_client, "iphone") == [iphone.id]
    assert found(api_client, "ёжик") == [hedgehog.id]


def test_search_by_model(api_client, iphone, hedgehog):
    assert found(api_client, "xs-max") == [iphone.id]
    assert found(api_client, "TOYS/") == [hedgehog.id]


def test_search_by_parameter_value(api_client, iphone, hedgehog):
    assert found(api_client, "6.5") == [iphone.id]
    assert found(api_client, "512 гб") == [iphone.id]
    assert found(api_client, "резина") == [hedgehog.id]


def test_search_by_a_parameter_added_later(api_client, iphone):
    OfferParameterFactory(offer=iphone, value="Водонепроницаемый")
    assert found(api_client, "водонепроницаемый") == [iphone.id]


def test_search_does_not_match_parameter_names(api_client, iphone):
    assert found(api_client, "диагональ") == []


@pytest.mark.parametrize("query", ["СМАРТФОН", "смартфон", "СмАрТфОн", "ЗОЛОТИСТЫЙ", "Apple"])
def test_search_is_case_insensitive_cyrillic_included(api_client, iphone, hedgehog, query):
    assert found(api_client, query) == [iphone.id]


@pytest.mark.parametrize("query", ["ёжик", "ЁЖИК", "ежик", "ЕЖИК", "Ежик"])
def test_search_reads_yo_as_ye(api_client, iphone, hedgehog, query):
    assert found(api_client, query) == [hedgehog.id]


def test_search_matches_parts_of_words(api_client, iphone, hedgehog):
    assert found(api_client, "смарт") == [iphone.id]
    assert found(api_client, "ФОН") == [iphone.id]


def test_every_word_must_match(api_client, iphone, hedgehog):
    assert found(api_client, "смартфон apple") == [iphone.id]
    assert found(api_client, "  APPLE   смартфон  ") == [iphone.id]
    assert found(api_client, "смартфон резиновый") == []
    assert found(api_client, "ёжик резина") == [hedgehog.id]


def test_search_skips_hidden_offers(api_client):
    OfferFactory(product=ProductFactory(name="Hidden kettle"), is_withdrawn=True)
    assert found(api_client, "kettle") == []


def test_blank_search_is_no_filter(api_client, iphone, hedgehog):
    assert found(api_client, "") == [iphone.id, hedgehog.id]
    assert found(api_client, "   ") == [iphone.id, hedgehog.id]


def test_percent_and_underscore_are_literal(api_client):
    percent = OfferFactory(product=ProductFactory(name="Скидка 100% гарантия"))
    underscore = OfferFactory(model="usb_c-cable")
    OfferFactory(product=ProductFactory(name="Скидка 1000 рублей"), model="usbxc-cable")

    assert found(api_client, "%") == [percent.id]
    assert found(api_client, "100%") == [percent.id]
    assert found(api_client, "_") == [underscore.id]
    assert found(api_client, "usb_c") == [underscore.id]
    assert found(api_client, "0%0") == []
    assert found(api_client, "\\") == []


def test_search_counts_matches(api_client):
    for n in range(3):
        OfferFactory(product=ProductFactory(name=f"Чайник {n}"))
    OfferFactory(product=ProductFactory(name="Утюг"))
    response = api_client.get(PRODUCTS, {"search": "ЧАЙНИК", "page_size": 2})
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert len(response.json()["results"]) == 2


def test_search_words_are_folded_and_distinct():
    assert search_words("  Ёлка ЁЛКА  Шар ") == ["елка", "шар"]
    assert search_words("") == []


def test_words_with_punctuation_match_exactly_as_written(api_client):
    dashed = OfferFactory(model="sony/m-2024")
    slashed = OfferFactory(model="sony/m/2024")
    joined = OfferFactory(model="sony/m2024x")
    quoted = OfferFactory(product=ProductFactory(name="Кабель «USB-C» №5 — 2 м…"))
    OfferFactory(model="m 2024")  # the same letters, split by a space: never a match below

    assert found(api_client, "m-2024") == [dashed.id]
    assert found(api_client, "m/2024") == [slashed.id]
    assert found(api_client, "m2024") == [joined.id]
    assert found(api_client, "sony/m-") == [dashed.id]
    assert found(api_client, "sony/m") == [dashed.id, slashed.id, joined.id]
    assert found(api_client, "«usb-c»") == [quoted.id]
    assert found(api_client, "№5") == [quoted.id]
    assert found(api_client, "м…") == [quoted.id]
    assert found(api_client, "usb–c") == []  # an en dash is not the hyphen written
    assert found(api_client, "m-20245") == []


def test_a_letter_that_stands_for_a_mark_is_never_taken_for_it(api_client):
    hyphen_letter = PUNCTUATION_LETTERS[PUNCTUATION.index("-")]
    lettered = OfferFactory(model=f"sony/m{hyphen_letter}2024")
    dashed = OfferFactory(model="sony/m-2024")

    assert found(api_client, "m-2024") == [dashed.id]
    assert found(api_client, "m2024") == [lettered.id]
    assert found(api_client, f"m{hyphen_letter}2024") == [lettered.id]


def test_punctuation_folds_into_letters_of_its_own():
    assert len(set(PUNCTUATION)) == len(PUNCTUATION) == len(set(PUNCTUATION_LETTERS))
    assert all(letter.isalnum() for letter in PUNCTUATION_LETTERS)
    assert not set(PUNCTUATION_LETTERS) & set(PUNCTUATION)
    assert search_words("Sony/M-2024") == ["sony\ua50em\ua50c2024"]
