"""An XLSX price list opened with openpyxl, and refused before it can fill the memory.

openpyxl's read-only mode streams the sheet's rows, but it keeps in memory all it reads
while it opens the workbook, and the XML of one row (or of any element it reads whole) until
that element ends. So, before openpyxl gets a byte:

- the zip directory: the total unpacked size and the compression ratio of each large part
  (`_check_zip`), so a zip bomb is refused unread;
- while the workbook opens, each part openpyxl reads whole and its shared strings count
  against IMPORT_XLSX_MAX_LOADED_BYTES, told by the zip directory before the part is unpacked
  (`_WorkbookReader`): millions of tiny shared strings are refused before any is read;
- the sheet's XML is measured as openpyxl reads it (`_SheetStream`): at most MAX_ROWS rows,
  MAX_ELEMENTS elements and MAX_ROW_BYTES bytes in a row, MAX_OUTSIDE_ELEMENTS and
  MAX_OUTSIDE_BYTES outside the rows, and MAX_TEXT_BYTES of text between two tags, so
  neither a row of millions of cells, nor millions of rows or of merged ranges, nor one
  huge text builds up.

A cell's text is read as OOXML writes it, each `_xHHHH_` in it standing for one character
(`unescaped`): openpyxl's reader leaves them as they are.
"""

import io
import re
import zipfile
import zlib
from typing import Any, NoReturn
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook import Workbook
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from procurement.pricelists.errors import SheetRefused

# As many rows as a spreadsheet program's sheet has. openpyxl keeps each row's (emptied)
# element until the end of the sheet: about 100 bytes a row.
MAX_ROWS = 1_048_576
# What one row may hold: a row of a spreadsheet's 16,384 columns has about 50,000 elements
# (a cell, its value, maybe its inline text).
MAX_ELEMENTS = 100_000
MAX_ROW_BYTES = 16_000_000
# What the sheet may hold outside its rows, all of it at once at the worst (its column
# widths, merged cells, conditional formats…): a link on every one of 400,000 goods; as
# elements that openpyxl's parser never clears, about 250 MB (499,000 of them with two
# attributes each, 44 MB of XML, took 230 MB more than an empty sheet).
MAX_OUTSIDE_ELEMENTS = 500_000
MAX_OUTSIDE_BYTES = 64_000_000
# Text between two tags: a cell holds at most 32,767 characters, at most 4 bytes each.
MAX_TEXT_BYTES = 1 << 20


# What reading a damaged workbook raises, from the zip module, zlib or openpyxl's parsing
# (an unknown attribute: TypeError; a shared string that is not there: IndexError; no
# workbook part: OSError): each means the file is not a readable XLSX file.
UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    ParseError,
)
# What the zip module unpacks (a spreadsheet program writes the first two only); Deflate64,
# which some archivers write, it does not.
_READABLE_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


# OOXML's escape of a character in a cell's text (ECMA-376 ST_Xstring): `_x` and its code in
# four hex digits, then `_`. Excel writes the characters XML cannot carry (control
# characters) and the carriage return (an XML parser reads it as a line feed) so, and the
# underscore that starts text looking like an escape as `_x005F_`; so does the export.
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TO_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_SHARED_STRING = f"{{{SHEET_MAIN_NS}}}si"


def escaped(text: str) -> str:
    """`text` as a cell holds it: what XML cannot carry, or would change, as `_xHHHH_`."""
    return _TO_ESCAPE.sub(lambda match: f"_x{ord(match[0]):04X}_", text)


def _character(match: re.Match[str]) -> str:
    code = int(match[1], 16)
    # Half a surrogate pair is no character: left as written, never one that cannot be stored.
    return match[0] if 0xD800 <= code <= 0xDFFF else chr(code)


def unescaped(row: tuple) -> tuple:
    """A sheet's row as openpyxl reads it → the text of its cells as written (`escaped`)."""
    for value in row:  # most rows have no escape: they are given back as they are
        if type(value) is str and "_x" in value:
            return tuple(
                _ESCAPE.sub(_character, cell) if type(cell) is str and "_x" in cell else cell
                for cell in row
            )
    return row


def open_workbook(data: bytes) -> Workbook:
    """The XLSX file `data` opened read-only, with the values its formulas were saved with
    (`data_only`); SheetRefused when it is not an XLSX file or breaks a limit."""
    _check_zip(data)
    reader = _WorkbookReader(data)
    reader.archive.budget = settings.IMPORT_XLSX_MAX_LOADED_BYTES
    try:
        reader.read()
    except UNREADABLE:
        reader.archive.close()
        raise SheetRefused(_("Not a valid XLSX file.")) from None
    except BaseException:
        reader.archive.close()
        raise
    reader.archive.budget = None
    return reader.wb


def _check_zip(data: bytes) -> None:
    """Refuse an archive whose parts would unpack beyond the limits, before reading any."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise SheetRefused(_("Not a valid XLSX file.")) from None
    limit = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
    ratio = settings.IMPORT_XLSX_MAX_RATIO
    if sum(part.file_size for part in parts) > limit:
        raise SheetRefused(
            _("The spreadsheet unpacks to more than %(limit)d bytes.") % {"limit": limit}
        )
    for part in parts:
        if part.flag_bits & 0x1:
            raise SheetRefused(
                _("The spreadsheet is protected by a password: save it without one.")
            )
        if part.compress_type not in _READABLE_COMPRESSION:
            raise SheetRefused(
                _(
                    "The spreadsheet is compressed in a way that cannot be read here: save it "
                    "again as an Excel workbook (.xlsx)."
                )
            )
        # Small parts may compress well; a ratio only says something about large ones.
        if part.file_size > 1_000_000 and part.file_size > ratio * max(part.compress_size, 1):
            raise SheetRefused(
                _("The spreadsheet is compressed more than %(ratio)d to 1: it is refused.")
                % {"ratio": ratio}
            )


class _Archive(zipfile.ZipFile):
    """A workbook's archive. While `budget` is set, a part read whole is refused once the
    parts so read would unpack to more than the budget, told by the zip directory before it
    is unpacked (a part never unpacks to more than its entry says). A part opened as a
    stream is measured as a sheet (`_SheetStream`), but for the shared strings, which
    `_WorkbookReader` counts whole."""

    budget: int | None = None
    reading_strings = False  # while openpyxl reads the shared strings (counted by size)

    def read(self, name: Any, pwd: bytes | None = None) -> bytes:
        self.spend(self.getinfo(name).file_size)
        with super().open(name, "r", pwd) as part:
            return part.read()

    def open(self, name: Any, mode: Any = "r", pwd: bytes | None = None, **kwargs: Any) -> Any:
        stream = super().open(name, mode, pwd, **kwargs)
        if mode != "r" or self.reading_strings:
            return stream
        return _SheetStream(stream)

    def spend(self, size: int) -> None:
        if self.budget is None:
            return
        self.budget -= size
        if self.budget < 0:
            raise SheetRefused(
                _(
                    "The workbook's shared strings, styles and other parts besides the sheet "
                    "unpack to more than %(limit)d bytes."
                )
                % {"limit": settings.IMPORT_XLSX_MAX_LOADED_BYTES}
            )


class _WorkbookReader(ExcelReader):
    """openpyxl's reader (`load_workbook`), on an `_Archive`; the shared strings, which it
    reads as a stream but keeps every one of, count against the archive's budget."""

    archive: _Archive

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), read_only=True, data_only=True)
        self.archive.close()
        self.archive = _Archive(io.BytesIO(data))

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        name = part.PartName[1:]
        self.archive.spend(self.archive.getinfo(name).file_size)
        # Only this read of the part goes unmeasured: the same part opened as the sheet is not.
        self.archive.reading_strings = True
        try:
            with self.archive.open(name) as source:
                self.shared_strings = _string_table(source)
        finally:
            self.archive.reading_strings = False

    def read_chartsheet(self, sheet: Any, rel: Any) -> None:
        # A chart's sheet is read whole, even in read-only mode.
        self.archive.spend(self.archive.getinfo(rel.target).file_size)
        super().read_chartsheet(sheet, rel)


def _string_table(source: Any) -> list[str]:
    """The shared strings as written, as openpyxl's `read_string_table` reads them but for
    its one unescaping: it deletes every `x005F_`, so that `_x005F_x0041_` (the text
    "_x0041_") would become "A" once `unescaped`, and "ax005F_b" would lose a part."""
    strings = []
    for _event, node in iterparse(source):
        if node.tag == _SHARED_STRING:
            text = Text.from_tree(node)
            strings.append(text.content if text is not None else "")
            node.clear()
    return strings


# The rest of a start tag: its attributes (a value may hold "/" or ">"), and "/" if empty.
_TAG_REST = re.compile(rb"(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>")
_ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_START_TAG = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?[A-Za-z_][\w.-]*")
_DECLARATION = re.compile(rb"\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=")
_MAIN = SHEET_MAIN_NS.encode()
_UNSEEN = b"?"  # no root element read yet
_START = b"\xef\xbb\xbf \t\r\n"  # what may come before the XML declaration
_READ = 1 << 16  # the most read at a time


class _SheetStream(io.RawIOBase):
    """A sheet's XML as openpyxl reads it, measured on the way against what openpyxl's
    parser would hold: the rows (each keeps an emptied element to the end), the elements and
    bytes of each row (held until it ends), the elements and bytes outside the rows (held to
    the end), and the text between two tags.

    A spreadsheet program writes no comment, CDATA section, DTD or processing instruction in
    a sheet, no row inside a row, and declares the sheet's namespace once, on its root
    element. With none of them, every "<" starts or ends a tag, and a row is a tag named
    `row` with the root's prefix, as openpyxl's parser tells it: counting them is exact. The
    XML parser after refuses whatever is not well formed."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._tail = b""  # from the last "<" read: a tag not yet whole, and text after it
        self._offset = 0  # where `_tail` starts in the sheet
        self._started = False  # whether a tag was read yet
        self._prefix: bytes | None = _UNSEEN  # the sheet's namespace prefix (None: no prefix)
        self._row_tag = re.compile(b"")  # a row's start or end tag, once the prefix is known
        self._rows = 0
        self._row_start: int | None = None  # where the open row started, if one is open
        self._row_elements = 0
        self._outside_elements = 0
        self._outside_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_READ), b""))
        data = self._stream.read(min(size, _READ))
        self._measure(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()

    def _measure(self, data: bytes) -> None:
        xml = self._tail + data
        # Every tag before the last "<" is whole (no "<" can be inside one); from there on,
        # it waits for the next read, unless the sheet ended.
        whole = len(xml) if not data else xml.rfind(b"<")
        if whole <= 0:
            self._tail = xml
            if len(xml) > MAX_TEXT_BYTES:
                self._refuse(_("The sheet holds a text of more than 1 MB between two tags."))
            return
        self._tail = xml[whole:]
        base, self._offset = self._offset, self._offset + whole
        if xml.find(b"<!", 0, whole) >= 0:
            self._refuse(
                _("The sheet holds a comment, CDATA or a DTD, which no spreadsheet writes.")
            )
        instructions = xml.count(b"<?", 0, whole)
        if instructions and not self._started and xml.lstrip(_START).startswith(b"<?"):
            instructions -= 1  # the XML declaration
        if instructions:
            self._refuse(_("The sheet holds an XML processing instruction."))
        self._started = True
        segment = 0  # where the XML not yet measured starts
        if self._prefix is _UNSEEN:
            segment = self._root(xml, whole)
            if self._prefix is _UNSEEN:
                return
        self._check_declarations(xml, segment, whole)
        # A read holds fewer than MAX_ELEMENTS elements (at most _READ bytes after one tag):
        # only a row begun in an earlier read or left open for the next is counted.
        carried = self._row_start is not None
        for tag in self._row_tag.finditer(xml, segment, whole):
            if tag[1]:  # an end tag
                if carried:
                    self._add(xml, segment, tag.start())
                segment = xml.index(b">", tag.end()) + 1
                self._end_row(base + segment)
                carried = False
                continue
            if tag.start() > segment:
                self._add(xml, segment, tag.start())
            rest = _TAG_REST.match(xml, tag.end(), whole)
            if rest is None:
                raise SheetRefused(_("Not a valid XLSX file."))
            segment = rest.end()
            self._start_row(base + tag.start())
            if rest[1]:  # an empty row: <row r="7"/>
                self._end_row(base + segment)
        if segment < whole:
            self._add(xml, segment, whole)
        if self._row_start is not None and base + whole - self._row_start > MAX_ROW_BYTES:
            self._refuse(self._too_large())

    def _root(self, xml: bytes, whole: int) -> int:
        """Read the root element's start tag, if `xml` has it before `whole`: its prefix must
        be declared there as the spreadsheet's namespace. → where the tag ends (else 0)."""
        position = xml.find(b"<", 0, whole)
        while position >= 0 and xml.startswith(b"<?", position):
            position = xml.find(b"<", position + 2, whole)
        if position < 0:
            return 0
        root = _START_TAG.match(xml, position)
        rest = _TAG_REST.match(xml, root.end(), whole) if root else None
        if root is None or rest is None:
            raise SheetRefused(_("Not a valid XLSX file."))
        declared = b"xmlns" if root[1] is None else b"xmlns:" + root[1]
        namespaces = {
            match[1]: match[2] if match[2] is not None else match[3]
            for match in _ATTRIBUTE.finditer(xml, root.end(), rest.end())
        }
        if namespaces.get(declared) != _MAIN:
            raise SheetRefused(_("Not a valid XLSX file."))
        self._prefix = root[1]
        # Only a tag named `row` with the root's prefix is a row to openpyxl's parser.
        name = b"" if root[1] is None else re.escape(root[1]) + b":"
        self._row_tag = re.compile(b"<(/?)" + name + rb"row(?=[\s/>])")
        return rest.end()

    def _check_declarations(self, xml: bytes, start: int, end: int) -> None:
        """Below the root, the sheet's namespace may not be declared again: an element named
        `row` could then be one that openpyxl's parser does not take for a row."""
        position = xml.find(b"xmlns", start, end)
        while position >= 0:
            declaration = _DECLARATION.match(xml, max(position - 1, 0), end)
            if declaration is not None and declaration[1] == self._prefix:
                self._refuse(_("The sheet declares its namespace again below its root."))
            position = xml.find(b"xmlns", position + 5, end)

    def _start_row(self, offset: int) -> None:
        if self._row_start is not None:
            self._refuse(_("The sheet has a row inside a row."))
        self._rows += 1
        if self._rows > MAX_ROWS:
            self._refuse(_("The sheet has more than %(max)d rows.") % {"max": MAX_ROWS})
        self._row_start, self._row_elements = offset, 0

    def _end_row(self, offset: int) -> None:
        if self._row_start is None:
            raise SheetRefused(_("Not a valid XLSX file."))
        if offset - self._row_start > MAX_ROW_BYTES:
            self._refuse(self._too_large())
        self._row_start = None

    def _add(self, xml: bytes, start: int, end: int) -> None:
        """Count the elements and bytes of xml[start:end], in the open row or outside."""
        elements = xml.count(b"<", start, end) - xml.count(b"</", start, end)
        if self._row_start is not None:
            self._row_elements += elements
            if self._row_elements > MAX_ELEMENTS:
                self._refuse(self._too_large())
            return
        self._outside_elements += elements
        self._outside_bytes += end - start
        if self._outside_elements > MAX_OUTSIDE_ELEMENTS or self._outside_bytes > MAX_OUTSIDE_BYTES:
            self._refuse(
                _(
                    "The sheet holds more than %(elements)d XML elements or %(bytes)d bytes "
                    "outside its rows."
                )
                % {"elements": MAX_OUTSIDE_ELEMENTS, "bytes": MAX_OUTSIDE_BYTES}
            )

    def _too_large(self) -> str:
        return _(
            "Row %(number)d of the sheet holds more than %(elements)d XML elements or "
            "%(bytes)d bytes: more than the 16,384 columns of a spreadsheet need."
        ) % {"number": self._rows, "elements": MAX_ELEMENTS, "bytes": MAX_ROW_BYTES}

    def _refuse(self, message: str) -> NoReturn:
        raise SheetRefused(message)
