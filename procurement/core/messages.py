"""Messages of the libraries the API answers through that their own Russian catalogs lack,
marked here so that the project's catalog (locale/) carries their translations: Django REST
framework's field errors, and the problems Python's json module finds in text that is not
JSON (the same whether it is a request's body or a price list)."""

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Django REST framework's messages with no Russian in its catalog. Django looks a message up
# in the project's catalog first, so these come out translated wherever DRF raises them.
FRAMEWORK_MESSAGES = (
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("Invalid input."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Datetime value out of range."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
)

# What json.JSONDecodeError says (its `msg`), in the words of the project's catalog.
_JSON_PROBLEMS = {
    "Expecting value": gettext_noop("Expecting a value"),
    "Expecting property name enclosed in double quotes": gettext_noop(
        "Expecting a name in double quotes"
    ),
    "Expecting ':' delimiter": gettext_noop("Expecting “:”"),
    "Expecting ',' delimiter": gettext_noop("Expecting “,”"),
    "Unterminated string starting at": gettext_noop("A string is not closed"),
    "Invalid control character at": gettext_noop("A control character in a string"),
    "Invalid \\escape": gettext_noop("An invalid escape in a string"),
    "Invalid \\uXXXX escape": gettext_noop("An invalid \\uXXXX escape"),
    "Extra data": gettext_noop("More data after the JSON value"),
}


def json_problem(error: json.JSONDecodeError) -> str:
    """What is wrong in text that is not JSON, for people in the active language (where it
    is: the error's `lineno` and `colno`)."""
    problem = _JSON_PROBLEMS.get(error.msg)
    return _(problem) if problem else error.msg
