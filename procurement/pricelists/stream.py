"""A spreadsheet price list read and checked part by part, in a thread of its own while the
import stores the parts it has already read.

Reading a large XLSX file is most of an import's work in Python (openpyxl parses its XML),
and storing the goods most of the database's: one after the other, they add up. Here the
reader thread hands over the checked goods in parts of PART_SIZE, and the import's thread
stores each part (`apply.apply_parts`: a few statements, during which it waits for the
database and the reader runs), so the database works beside the reader. Nothing commits
before the whole list is read and checked: a problem anywhere rolls back what was stored.
"""

import queue
import threading
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from types import TracebackType

from django.db import connection
from django.utils import translation

from procurement.pricelists.apply import Part
from procurement.pricelists.errors import ImportFailed, Locations, readable
from procurement.pricelists.sheets import read_sheet
from procurement.pricelists.validate import Good, ListCheck, PriceList

PART_SIZE = 5000
# Parts read ahead at most: the list's goods need not all be in memory while the database
# catches up.
PARTS_AHEAD = 4
# How long the reader waits at a time for room in the queue, before it looks whether the
# import stopped.
_PUT_SECONDS = 0.1


def stores_while_reading() -> bool:
    """Whether a spreadsheet is stored while it is read: on PostgreSQL, whose row locks let
    other writers go on meanwhile. SQLite locks the whole database from a transaction's
    first write to its end, which would hold every other writer back while the file is
    read: there the sheet is read and checked first (`checked_sheet`), then applied."""
    return connection.vendor == "postgresql"


def checked_sheet(data: bytes, filename: str) -> PriceList:
    """The whole spreadsheet read and checked as `SheetReader` does: the same problems, each a
    readable line naming its row or cell."""
    check = ListCheck()
    goods = [good for part, _categories in _checked_parts(data, filename, check) for good in part]
    return PriceList(shop=None, categories=check.categories, goods=goods)


def _checked_parts(data: bytes, filename: str, check: ListCheck) -> Generator[Part, None, None]:
    """The sheet's goods in parts of PART_SIZE, each with its categories, as `check` passes
    them; then ImportFailed, its problems readable lines, if any item had one (the goods stop
    at the first)."""
    locations = Locations()
    try:
        sheet = read_sheet(data, filename)
        locations = sheet.locations
        part: list[Good] = []
        with closing(sheet.items):
            for section, index, item in sheet.items:
                if section == "categories":
                    check.category(index, item)
                elif (good := check.good(index, item)) is not None:
                    part.append(good)
                    if len(part) == PART_SIZE:
                        yield part, _categories_of(part, check)
                        part = []
        if part:
            yield part, _categories_of(part, check)
        check.done()
    except ImportFailed as error:
        error.problems = readable(error.problems, locations)
        raise


def _categories_of(goods: list[Good], check: ListCheck) -> dict[int, str]:
    categories = check.categories
    return {good.category_id: categories[good.category_id] for good in goods}


@dataclass(frozen=True)
class _Over:
    categories: dict[int, str]


class SheetReader:
    """Reads and checks a spreadsheet in a thread of its own (see the module docstring):

        with SheetReader(data, filename) as reader:
            for goods, categories in reader.parts(): ...
            reader.categories()  # all of them, once the parts are over

    `parts` raises the list's problems (ImportFailed, readable lines in the language of the
    moment the reader started) after the parts read before the first problem. Leaving the
    `with` block stops the reader."""

    def __init__(self, data: bytes, filename: str) -> None:
        self._queue: queue.Queue[Part | _Over | BaseException] = queue.Queue(PARTS_AHEAD)
        self._stopped = threading.Event()
        self._language = translation.get_language()
        self._categories: dict[int, str] | None = None
        self._thread = threading.Thread(
            target=self._read, args=(data, filename), name="price-list reader"
        )

    def __enter__(self) -> "SheetReader":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._thread.join()

    def parts(self) -> Iterator[Part]:
        while True:
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, _Over):
                self._categories = item.categories
                return
            yield item

    def categories(self) -> dict[int, str]:
        """The list's categories (id → name); only once `parts` is over."""
        if self._categories is None:
            raise RuntimeError("the price list has not been read to its end")
        return self._categories

    def _read(self, data: bytes, filename: str) -> None:
        try:
            with translation.override(self._language):
                check = ListCheck()
                with closing(_checked_parts(data, filename, check)) as parts:
                    for part in parts:
                        if not self._put(part):
                            return  # the import stopped: the file is closed on the way
                self._put(_Over(check.categories))
        except BaseException as error:  # handed to the import's thread, which raises it
            self._put(error)

    def _put(self, item: Part | _Over | BaseException) -> bool:
        """Hand `item` over, waiting for room → False when the import stopped meanwhile."""
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=_PUT_SECONDS)
                return True
            except queue.Full:
                continue
        return False
