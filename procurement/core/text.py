"""Text as people see it."""

import unicodedata


def visible(text: str) -> bool:
    """Whether `text` shows anything: not only spaces and characters that take no room on
    screen (zero-width spaces and joiners, direction marks, a byte-order mark, controls)."""
    if text.isprintable():  # no such character but the ASCII space: the common case, in C
        return bool(text.strip(" "))
    return any(unicodedata.category(character)[0] not in "CZ" for character in text)
