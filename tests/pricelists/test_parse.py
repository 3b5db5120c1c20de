import time

import pytest
from django.utils import translation

from procurement.core.errors import ApplicationError, ErrorCode
from procurement.pricelists.parse import (
    PriceListParseError,
    SpelledNumber,
    parse_document,
    read_limited,
)
from tests.support.pricelists import as_json, shop1_bytes, shop1_document

BILLION_LAUGHS = b"""
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_is_read_like_the_safe_loader_but_parameters_are_text():
    expected = shop1_document()
    for good in expected["goods"]:
        good["parameters"] = {
            name: str(value).lower() if isinstance(value, bool) else str(value)  # as written
            for name, value in good["parameters"].items()
        }
    assert parse_document(shop1_bytes(), filename="shop1.yaml") == expected


@pytest.mark.parametrize("filename", ["shop1.json", "upload", ""])
def test_json_is_accepted_by_name_or_by_content(filename):
    assert parse_document(as_json(shop1_document()), filename=filename) == shop1_document()


def test_yaml_flow_mapping_is_not_mistaken_for_json():
    assert parse_document(b"{shop: x, goods: []}") == {"shop": "x", "goods": []}


def test_plain_scalars_resolve_as_yaml_1_1_and_dates_stay_text():
    parsed = parse_document(
        b"a: [1, -2, +3, 0, 6.5, -1.5e+3, yes, off, ~, '12', !!str 12, 2020-01-02]"
    )
    assert parsed == {"a": [1, -2, 3, 0, 6.5, -1500.0, True, False, None, "12", "12", "2020-01-02"]}


def test_numbers_yaml_readers_read_differently_stay_the_text_written():
    """YAML 1.1 reads 017 as 15, 0x1f as 31, 1_000 as 1000 and 1:30 as 90; YAML 1.2 reads
    017 as 17 and the rest as text. Either reading would change what the supplier meant
    without a word: the text is kept, and a field that wants a number says so."""
    parsed = parse_document(b"a: [017, 0x1f, 0b11, 1_000, 1:30, 1_000.5, 1:30.5, -017, 1e3x]")
    assert parsed == {
        "a": ["017", "0x1f", "0b11", "1_000", "1:30", "1_000.5", "1:30.5", "-017", "1e3x"]
    }
    assert all(isinstance(value, SpelledNumber) for value in parsed["a"][:8])


def test_a_parameter_value_is_the_text_written():
    parsed = parse_document(
        "goods:\n  - parameters: {Артикул: 00123, Версия: 1.10, Bluetooth: yes, "
        "Время: 12:30, Код: 0x1F, Число: 6.50, Пусто: ~, Ничего: , Да: true, 2020: x, "
        "В кавычках: '007'}".encode()
    )
    assert parsed["goods"][0]["parameters"] == {
        "Артикул": "00123",
        "Версия": "1.10",
        "Bluetooth": "yes",
        "Время": "12:30",
        "Код": "0x1F",
        "Число": "6.50",
        "Пусто": None,
        "Ничего": None,
        "Да": "true",
        "2020": "x",
        "В кавычках": "007",
    }


@pytest.mark.parametrize(
    "text",
    [
        b'!!python/object/apply:os.system ["echo hacked"]',
        b'shop: !!python/object/apply:os.system ["echo hacked"]',
        b"shop: !!python/name:os.system",
        b"shop: !!python/object:procurement.catalog.models.Shop {name: x}",
        b"goods: !!set {a, b}",
        b"shop: !custom x",
    ],
)
def test_tags_that_build_objects_are_refused(text):
    with pytest.raises(PriceListParseError) as caught:
        parse_document(text)
    assert "tag" in caught.value.problems[0]["error"]
    assert caught.value.problems[0]["line"] == 1


def test_alias_bomb_is_refused_before_it_expands():
    started = time.monotonic()
    with pytest.raises(PriceListParseError) as caught:
        parse_document(BILLION_LAUGHS)
    assert time.monotonic() - started < 1
    assert caught.value.problems == [
        {"line": 2, "error": "YAML anchors and aliases are not allowed."}
    ]


@pytest.mark.parametrize(
    "text, problem",
    [
        (b"a: &x 1\nb: *x", "anchors"),
        (b"<<: {shop: x}", "merge"),
        (b"shop: x\n---\nshop: y\n", "one YAML document"),
        (b"[" * 200 + b"]" * 200, "nested too deeply"),
        (b"? [1, 2]\n: x", "keys must be scalars"),
        (b"shop: [unclosed", "Not valid YAML"),
        (b"\xff\xfe\xfa", "Not valid YAML"),
    ],
)
def test_malformed_or_unsafe_yaml_is_refused_with_a_reason(text, problem):
    with pytest.raises(PriceListParseError) as caught:
        parse_document(text, filename="list.yaml")
    assert problem in caught.value.problems[0]["error"]
    assert caught.value.code == ErrorCode.INVALID


@pytest.mark.parametrize(
    "text", [b'{"shop": NaN}', b'{"shop": "x"', b"[" * 100_000 + b"]" * 100_000]
)
def test_bad_json_named_json_is_refused(text):
    with pytest.raises(PriceListParseError) as caught:
        parse_document(text, filename="list.json")
    assert "Not valid JSON" in caught.value.problems[0]["error"]


@pytest.mark.parametrize(
    "text, problem",
    [
        (
            b'{"shop": "x",\n "goods": [1,]}',
            {"line": 2, "error": "Not valid JSON (column 14): Expecting a value"},
        ),
        (b'{"shop": NaN}', {"error": "Not valid JSON: NaN is not a number JSON allows"}),
    ],
)
def test_bad_json_says_what_is_wrong_where(text, problem):
    with pytest.raises(PriceListParseError) as caught:
        parse_document(text, filename="list.json")
    assert caught.value.problems == [problem]


@pytest.mark.parametrize(
    "text, problem",
    [
        (
            b"shop: x\ngoods:\n  - name: \x07",
            {
                "line": 3,
                "error": "Not valid YAML: a control character (U+0007), which YAML does not allow",
            },
        ),
        (
            b"shop: x\nname: \xcf\xf0\xe8",
            {"line": 2, "error": "Not valid YAML: the file is not UTF-8 here: save it as UTF-8"},
        ),
        (
            b"shop: x\ngoods: [1, 2\n",
            {"line": 3, "error": "Not valid YAML: a “,” or “]” is missing"},
        ),
    ],
)
def test_bad_yaml_says_what_is_wrong_where(text, problem):
    with pytest.raises(PriceListParseError) as caught:
        parse_document(text, filename="list.yaml")
    assert caught.value.problems == [problem]


def test_bad_yaml_is_described_in_the_language_of_the_job():
    with translation.override("ru"), pytest.raises(PriceListParseError) as caught:
        parse_document(b"shop: x\n\tgoods: []", filename="list.yaml")
    assert caught.value.problems == [
        {
            "line": 2,
            "error": "Некорректный YAML: табуляция в отступе: делайте отступы пробелами",
        }
    ]


def test_read_limited_stops_at_the_limit_without_reading_the_rest():
    consumed = []

    def chunks():
        for number in range(1000):
            consumed.append(number)
            yield b"x" * 100

    with pytest.raises(ApplicationError) as caught:
        read_limited(chunks(), limit=1000)
    assert caught.value.code == ErrorCode.TOO_LARGE
    assert caught.value.status_code == 413
    assert len(consumed) == 11


def test_read_limited_accepts_exactly_the_limit():
    assert read_limited([b"ab", b"cd"], limit=4) == b"abcd"
