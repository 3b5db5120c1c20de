"""A parsed document → a checked PriceList, or every problem found (no database access).

Each problem says where it is: `{"section": "goods", "index": 3, "id": 4216292,
"field": "price", "error": "..."}`; `index` counts from 0. At most MAX_ERRORS are kept.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypedDict, TypeVar, Unpack

from django.db.models import Model
from django.utils.translation import gettext as _

from procurement.catalog.models import (
    MAX_MONEY,
    Category,
    Offer,
    OfferParameter,
    Parameter,
    Product,
    Shop,
)
from procurement.core.text import visible
from procurement.pricelists.errors import ImportFailed, Problem
from procurement.pricelists.parse import SpelledNumber

MAX_ERRORS = 100
MAX_ID = 2**63 - 1
MAX_QUANTITY = 2**31 - 1
_CENT = Decimal("0.01")

# One unit at the highest price must still fit an order's total (the same money column).
MAX_PRICE = MAX_MONEY


def _max_length(model: type[Model], field: str) -> int:
    max_length = getattr(model._meta.get_field(field), "max_length", None)
    if not isinstance(max_length, int):
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return max_length


SHOP_NAME_MAX = _max_length(Shop, "name")
CATEGORY_NAME_MAX = _max_length(Category, "name")
PRODUCT_NAME_MAX = _max_length(Product, "name")
MODEL_MAX = _max_length(Offer, "model")
PARAMETER_NAME_MAX = _max_length(Parameter, "name")
PARAMETER_VALUE_MAX = _max_length(OfferParameter, "value")


@dataclass(frozen=True, slots=True)
class Good:
    external_id: int
    category_id: int
    model: str
    name: str
    price: Decimal
    price_rrc: Decimal
    quantity: int
    parameters: dict[str, str]


@dataclass(frozen=True, slots=True)
class PriceList:
    shop: str | None  # names a new shop; a spreadsheet has none
    categories: dict[int, str]  # id → name, in file order
    goods: list[Good]


class PriceListInvalid(ImportFailed):
    def __init__(self, problems: list[Problem]):
        super().__init__(_("The price list is not valid."), problems=problems)


class _TooManyErrors(Exception):
    pass


class _Invalid(Exception):
    """One field's problem, raised by the field checkers."""


class _Where(TypedDict, total=False):
    """Where a problem is: the section of the price list, the item's index and its id."""

    section: str
    index: int
    item_id: Any


T = TypeVar("T")


class _Errors:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(
        self,
        error: str,
        *,
        field: str,
        section: str | None = None,
        index: int | None = None,
        item_id: Any = None,
    ) -> None:
        entry: dict[str, Any] = {}
        if section is not None:
            entry.update(section=section, index=index, id=item_id)
        entry.update(field=field, error=error)
        self.items.append(entry)
        if len(self.items) >= MAX_ERRORS:
            raise _TooManyErrors


def validate_pricelist(document: Any) -> PriceList:
    """Check the whole document; raise PriceListInvalid naming every problem found."""
    errors = _Errors()
    try:
        price_list = _check_document(document, errors)
    except _TooManyErrors:
        errors.items.append(_only_the_first())
        price_list = None
    if errors.items or price_list is None:
        raise PriceListInvalid(errors.items)
    return price_list


def _check_document(document: Any, errors: _Errors) -> PriceList | None:
    if not isinstance(document, dict):
        errors.add(_("The price list must be a mapping with shop, categories and goods."), field="")
        return None
    shop = _field(document, "shop", _text(SHOP_NAME_MAX), errors) if "shop" in document else None
    categories = _check_categories(document.get("categories"), errors)
    goods = _check_goods(document.get("goods"), categories, errors)
    if (shop is None and "shop" in document) or categories is None or goods is None:
        return None
    return PriceList(shop=shop, categories=categories, goods=goods)


def _field(
    mapping: dict[str, Any],
    name: str,
    check: Callable[[Any], T],
    errors: _Errors,
    **where: Unpack[_Where],
) -> T | None:
    """`check` of the field `name`, or None with its problem added to `errors`."""
    try:
        if name not in mapping:
            raise _Invalid(_("This field is required."))
        return check(mapping[name])
    except _Invalid as problem:
        errors.add(str(problem), field=name, **where)
        return None


def _check_categories(raw: Any, errors: _Errors) -> dict[int, str] | None:
    if not isinstance(raw, list) or not raw:
        errors.add(_("Expected a non-empty list of categories."), field="categories")
        return None
    check = _CategoryCheck(errors)
    for index, item in enumerate(raw):
        check(index, item)
    return check.categories if check.valid else None


class _CategoryCheck:
    """Checks categories one by one into `categories` (id → name); `valid` until one is bad."""

    def __init__(self, errors: _Errors) -> None:
        self.errors = errors
        self.categories: dict[int, str] = {}
        self.valid = True

    def __call__(self, index: int, item: Any) -> bool:
        """Whether the category is good (and now in `categories`)."""
        errors = self.errors
        if not isinstance(item, dict):
            errors.add(
                _("Expected a mapping with id and name."),
                field="",
                section="categories",
                index=index,
                item_id=None,
            )
            self.valid = False
            return False
        where: _Where = {"section": "categories", "index": index, "item_id": _shown_id(item)}
        category_id = _field(item, "id", _identifier, errors, **where)
        name = _field(item, "name", _text(CATEGORY_NAME_MAX), errors, **where)
        if category_id is not None and category_id in self.categories:
            errors.add(_("Duplicate category id."), field="id", **where)
        if category_id is None or name is None or category_id in self.categories:
            self.valid = False
            return False
        self.categories[category_id] = name
        return True


def _check_goods(raw: Any, categories: dict[int, str] | None, errors: _Errors) -> list[Good] | None:
    if not isinstance(raw, list):
        errors.add(_("Expected a list of goods."), field="goods")
        return None
    check = _GoodsCheck(categories, errors)
    goods = [good for index, item in enumerate(raw) if (good := check(index, item)) is not None]
    return goods if check.valid else None


class _GoodsCheck:
    """Checks goods one by one → each good while every one so far was valid, else None (the
    problems go to `errors`); `valid` until one is bad. With `categories` None (they were
    bad) goods are checked for their own problems only, as are those filed under one of
    `unchecked` (a category whose own problem is already named)."""

    def __init__(self, categories: dict[int, str] | None, errors: _Errors) -> None:
        self.categories = categories
        self.errors = errors
        self.unchecked: set[Any] = set()
        self.seen: set[int] = set()
        self.valid = True
        self.text_name, self.text_model = _text(PRODUCT_NAME_MAX), _text(MODEL_MAX, blank=True)

    def __call__(self, index: int, item: Any) -> Good | None:
        categories, errors, seen = self.categories, self.errors, self.seen
        text_name = self.text_name
        if type(item) is dict and categories is not None:
            good = _good(item, categories, seen, text_name, self.text_model)
            if good is not None:
                seen.add(good.external_id)
                return good if self.valid else None
        # A good with a problem (or any good once the categories are bad) is checked again
        # field by field, to name each of its problems.
        if not isinstance(item, dict):
            errors.add(
                _("Expected a mapping."), field="", section="goods", index=index, item_id=None
            )
            self.valid = False
            return None
        where: _Where = {"section": "goods", "index": index, "item_id": _shown_id(item)}
        external_id = _field(item, "id", _identifier, errors, **where)
        category_id = _field(item, "category", _identifier, errors, **where)
        name = _field(item, "name", text_name, errors, **where)
        model = _field(item, "model", self.text_model, errors, **where) if "model" in item else ""
        price = _field(item, "price", _money, errors, **where)
        price_rrc = _field(item, "price_rrc", _money, errors, **where)
        quantity = _field(item, "quantity", _quantity, errors, **where)
        parameters = (
            _field(item, "parameters", _parameters, errors, **where)
            if item.get("parameters") is not None
            else {}
        )
        if external_id is not None:
            if external_id in seen:
                errors.add(_("Duplicate good id."), field="id", **where)
                external_id = None
            else:
                seen.add(external_id)
        if category_id is not None and categories is not None and category_id not in categories:
            if category_id not in self.unchecked:
                errors.add(
                    _("Unknown category: it is not in categories."), field="category", **where
                )
            category_id = None
        if (
            not self.valid
            or external_id is None
            or category_id is None
            or name is None
            or model is None
            or price is None
            or price_rrc is None
            or quantity is None
            or parameters is None
        ):
            self.valid = False
            return None
        return Good(external_id, category_id, model, name, price, price_rrc, quantity, parameters)


class ListCheck:
    """A price list checked item by item while it is read (a spreadsheet's rows): each
    category where it first appears, each good in turn. `good` gives each good while the
    list is valid so far; `done` raises PriceListInvalid naming every problem as
    `validate_pricelist` does (the categories' first). At MAX_ERRORS problems the check
    stops (PriceListInvalid at once)."""

    def __init__(self) -> None:
        self._errors = _Errors()
        self._categories = _CategoryCheck(self._errors)
        self._goods = _GoodsCheck(self._categories.categories, self._errors)

    @property
    def categories(self) -> dict[int, str]:
        """The good categories so far, id → name, in the order they appeared."""
        return self._categories.categories

    def category(self, index: int, item: Any) -> None:
        try:
            if not self._categories(index, item) and isinstance(item, dict):
                self._goods.unchecked.add(item.get("id"))
        except _TooManyErrors:
            self._refuse(too_many=True)

    def good(self, index: int, item: Any) -> Good | None:
        try:
            return self._goods(index, item)
        except _TooManyErrors:
            self._refuse(too_many=True)

    def done(self) -> None:
        """Once every item was checked: PriceListInvalid if any had a problem."""
        if not self.categories and self._categories.valid:
            self._errors.items.append(
                {"field": "categories", "error": _("Expected a non-empty list of categories.")}
            )
        if self._errors.items:
            self._refuse(too_many=False)

    def _refuse(self, *, too_many: bool) -> NoReturn:
        problems = self._errors.items
        # The categories' problems first (stable, so each section keeps the file's order).
        problems.sort(key=lambda problem: problem.get("section", problem["field"]) != "categories")
        if too_many:
            problems.append(_only_the_first())
        raise PriceListInvalid(problems)


def _only_the_first() -> Problem:
    return {"error": _("Only the first %(count)d problems are listed.") % {"count": MAX_ERRORS}}


def _good(
    item: dict[str, Any],
    categories: dict[int, str],
    seen: set[int],
    text_name: Callable[[Any], str],
    text_model: Callable[[Any], str],
) -> Good | None:
    """The good, when it has no problem at all; else None (nothing is recorded).

    Nearly every good of a list is valid: checked in one go, without noting where each
    field is, they cost a fraction of the field-by-field check that names the problems."""
    try:
        external_id = _identifier(item["id"])
        category_id = _identifier(item["category"])
        name = text_name(item["name"])
        model = text_model(item["model"]) if "model" in item else ""
        price = _money(item["price"])
        price_rrc = _money(item["price_rrc"])
        quantity = _quantity(item["quantity"])
        parameters = item.get("parameters")
        parameters = {} if parameters is None else _parameters(parameters)
    except (KeyError, _Invalid):
        return None
    if external_id in seen or category_id not in categories:
        return None
    return Good(external_id, category_id, model, name, price, price_rrc, quantity, parameters)


def _shown_id(item: dict) -> Any:
    """The item's id as given, for error messages, when it is a plain scalar."""
    value = item.get("id")
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _identifier(value: Any) -> int:
    if type(value) is not int or not 1 <= value <= MAX_ID:
        _refuse_spelled(value)
        raise _Invalid(_("Expected a whole number from 1 to %(max)d.") % {"max": MAX_ID})
    return value


def _quantity(value: Any) -> int:
    if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        value = int(value)
    if type(value) is not int or not 0 <= value <= MAX_QUANTITY:
        _refuse_spelled(value)
        raise _Invalid(_("Expected a whole number from 0 to %(max)d.") % {"max": MAX_QUANTITY})
    return value


def _refuse_spelled(value: Any) -> None:
    if isinstance(value, SpelledNumber):
        raise _Invalid(value.refusal())


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        _refuse_spelled(value)
        raise _Invalid(_("Expected a number."))
    try:
        amount = Decimal(value) if isinstance(value, int | Decimal) else Decimal(repr(value))
    except InvalidOperation:
        raise _Invalid(_("Expected a number.")) from None
    if not amount.is_finite():
        raise _Invalid(_("Expected a number."))
    if amount < 0:
        raise _Invalid(_("Must not be negative."))
    if amount > MAX_PRICE:
        raise _Invalid(_("Must not be greater than %(max)s.") % {"max": MAX_PRICE})
    rounded = amount.quantize(_CENT)
    if rounded != amount:
        raise _Invalid(_("At most 2 decimal places are allowed."))
    return rounded


def _text(max_length: int, *, blank: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _Invalid(_("Expected text."))
        return _checked_text(value.strip(), max_length, blank=blank)

    return check


def _checked_text(value: str, max_length: int, *, blank: bool = False) -> str:
    if not blank and not visible(value):  # "" or only a zero-width space: no name to show
        raise _Invalid(_("Must not be empty."))
    if len(value) > max_length:
        raise _Invalid(
            _("At most %(max)d characters are allowed (got %(length)d).")
            % {"max": max_length, "length": len(value)}
        )
    if "\x00" in value:
        raise _Invalid(_("Must not contain NUL characters."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid(_("Not valid Unicode text.")) from None
    return value


def _parameters(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Invalid(_("Expected a mapping of parameter names to values."))
    parameters: dict[str, str] = {}
    named: set[str] = set()
    for name, raw in value.items():
        if not isinstance(name, str):
            raise _Invalid(_("Parameter names must be text."))
        try:
            key = _checked_text(name.strip(), PARAMETER_NAME_MAX)
            text = _checked_text(_scalar_text(raw), PARAMETER_VALUE_MAX, blank=True)
            if key in named:  # "Цвет" and "Цвет ": one value would drop the other
                raise _Invalid(_("Given twice."))
        except _Invalid as problem:
            raise _Invalid(f"{name}: {problem}") from None
        named.add(key)
        # An empty value is no parameter, as an empty cell is in a spreadsheet: a list
        # exported as CSV or XLSX then imports to the same catalog.
        if text:
            parameters[key] = text
    return parameters


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    raise _Invalid(_("Expected a text, number or true/false value."))
