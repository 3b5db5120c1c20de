"""The normalised text the catalog search matches against.

SQLite's LIKE folds ASCII only, so the search column holds text already folded in
Python: lower-case (Unicode casefold), with ё read as е. Queries are folded the same way.
"""

from collections.abc import Iterable


def normalize(text: str) -> str:
    return " ".join(str(text).casefold().replace("ё", "е").split())


def offer_search_text(*, name: str, model: str, parameter_values: Iterable[object]) -> str:
    parts = [name, model, *(str(value) for value in parameter_values)]
    return normalize(" ".join(part for part in parts if part))


def search_words(query: str) -> list[str]:
    """The distinct words of a query, folded like the search column; an offer must hold them all."""
    return list(dict.fromkeys(normalize(query).split()))
