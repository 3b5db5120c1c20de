"""How the catalog search folds text.

SQLite's LIKE folds ASCII only, so the search column holds text already folded in
Python: lower-case (Unicode casefold), with ё read as е (`procurement.catalog.offers`
writes it). Queries are folded the same way.
"""


def normalize(text: str) -> str:
    return " ".join(str(text).casefold().replace("ё", "е").split())


def search_words(query: str) -> list[str]:
    """The distinct words of a query, folded like the search column; an offer must hold them all."""
    return list(dict.fromkeys(normalize(query).split()))
