"""How the catalog search folds text.

SQLite's LIKE folds ASCII only, so the search column holds text already folded in
Python: lower-case (Unicode casefold), with ё read as е (`procurement.catalog.offers`
writes it). Queries are folded the same way, so a search is a plain `LIKE '%word%'`,
which PostgreSQL serves from a trigram index.

Punctuation is folded too, each mark into a letter of its own (`PUNCTUATION` →
`PUNCTUATION_LETTERS`, letters of the Vai script, which price lists do not use and which
folding removes from the text first). pg_trgm reads punctuation as a space: a model number
such as `m-2024` was looked up as the words `m` and `2024`, each found in a large share of
the catalog, and every offer holding both was read to be rejected (about 800 at a million
offers, for 55 matches). Folded, it is one word whose trigrams are rare. Each mark has a
letter of its own and the letters occur nowhere else, so a folded word is found in a
folded text exactly when the word is found in the text: what matches does not change.
"""

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»„“”‘’–—…№•·×°±§"
# Vai syllables from U+A500, one for each mark above.
PUNCTUATION_LETTERS = "".join(chr(0xA500 + index) for index in range(len(PUNCTUATION)))
# Letters stand for marks, so a letter already in a text is dropped (never taken for a mark).
_FOLD_PUNCTUATION = str.maketrans(PUNCTUATION, PUNCTUATION_LETTERS, PUNCTUATION_LETTERS)


def normalize(text: str) -> str:
    folded = str(text).casefold().replace("ё", "е").translate(_FOLD_PUNCTUATION)
    return " ".join(folded.split())


def search_words(query: str) -> list[str]:
    """The distinct words of a query, folded like the search column; an offer must hold them all."""
    return list(dict.fromkeys(normalize(query).split()))
