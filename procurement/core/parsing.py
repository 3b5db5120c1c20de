"""Parsing of the list forms the API accepts for `items`."""

import json

from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1


def parse_items(raw) -> list:
    """A JSON array, a string holding one, or a comma-separated string → a list.

    Raises ValueError with a message for people.
    """
    if isinstance(raw, list):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                raise ValueError(_("Not valid JSON.")) from None
            if isinstance(value, list):
                return value
        elif text:
            # "12,15," is "12,15": clients that join ids with a comma after each send it.
            return [part.strip() for part in text.removesuffix(",").split(",")]
    raise ValueError(_("Expected a list, a JSON array or comma-separated ids."))


def parse_id(value) -> int:
    """A positive whole number (int or digit string); raises ValueError otherwise."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValueError(_("Ids must be whole numbers."))
    return value


def parse_ids(raw, *, at_most: int) -> list[int]:
    """`parse_items` of ids, at least one and at most `at_most` of them.

    The count is checked before the ids: a list too long is refused as such, whatever it holds.
    """
    values = parse_items(raw)
    if len(values) > at_most:
        raise ValueError(_("At most %(max)d ids per request.") % {"max": at_most})
    ids = [parse_id(value) for value in values]
    if not ids:
        raise ValueError(_("Name at least one id."))
    return ids
