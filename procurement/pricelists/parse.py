"""Bytes → a plain Python document (dicts, lists, scalars), safely and within the size limit.

YAML is read from libyaml's event stream (the C parser when present) and built here
directly: no tag that builds objects, no anchors or aliases (so no alias bombs), timestamps
kept as text. Plain scalars resolve as PyYAML's safe loader resolves them (YAML 1.1), but
for two kinds, where that reading would change what the supplier wrote without a word:
- a number YAML 1.1 and YAML 1.2 read differently (`017`, `0x1f`, `0b11`, `1_000`, `1:30`)
  stays the text written (a `SpelledNumber`), which a field wanting a number refuses;
- a good's parameters are text: their plain values and names are taken as written
  (`1.10`, `yes`, `00123`), a null (`~`, nothing) being no value.
Skipping PyYAML's node graph also makes this several times faster than `yaml.CSafeLoader`.
"""

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NoReturn, Protocol

import yaml
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from yaml import events
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from procurement.core.errors import ApplicationError, ErrorCode
from procurement.core.messages import json_problem
from procurement.pricelists.errors import ImportFailed, Locations, Problem

MAX_DEPTH = 32

_YAML_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_IMPLICIT = Resolver.yaml_implicit_resolvers
_SAFE = SafeConstructor()


class SpelledNumber(str):
    """A value written as a number that cannot be read as one without a guess, kept as the
    text written; a field that wants a number refuses it with its `refusal`. Here: a plain
    YAML scalar that YAML 1.1 and YAML 1.2 read differently (a leading zero, 0x, 0b, `_` or
    `:`)."""

    def refusal(self) -> str:
        return _(
            "“%(text)s” is read as different numbers by different YAML readers: write the "
            "number in plain digits."
        ) % {"text": self}


class PriceListParseError(ImportFailed):
    def __init__(self, message: str, *, line: int | None = None):
        problem: Problem = {"error": message} if line is None else {"line": line, "error": message}
        super().__init__(message, problems=[problem])


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def too_large_error(limit: int) -> ApplicationError:
    return ApplicationError(
        ErrorCode.TOO_LARGE,
        _("The price list is larger than %(limit)d bytes.") % {"limit": limit},
    )


def read_limited(chunks: Iterable[bytes], *, limit: int | None = None) -> bytes:
    """Join `chunks`, refusing (TOO_LARGE) as soon as more than `limit` bytes have arrived."""
    limit = max_bytes() if limit is None else limit
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large_error(limit)
        parts.append(chunk)
    return b"".join(parts)


def parse_document(data: bytes, *, filename: str = "") -> Any:
    """Parse a price list given as JSON or YAML, chosen by the file name or else the content."""
    return read_document(data, filename=filename)[0]


def file_name(filename: str) -> str:
    """The name a list's format is told by: a URL's query is not part of it
    (…/prices.csv?key=1 is a CSV file)."""
    return filename.lower().split("?", 1)[0].split("#", 1)[0]


def read_document(data: bytes, *, filename: str = "") -> tuple[Any, Locations]:
    """Parse a YAML or JSON price list → (the document, where its items are); a spreadsheet
    is read by `sheets`.

    JSON is told by the file name, or else by the content: it starts with `{` or `[`.
    """
    name = file_name(filename)
    if name.endswith(".json"):
        return _parse_json(data), Locations()
    if not name.endswith((".yaml", ".yml")) and _looks_like_json(data):
        try:
            return _parse_json(data), Locations()
        except PriceListParseError:
            pass  # a YAML flow mapping also starts with "{"
    return _parse_yaml(data)


def _looks_like_json(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _refuse_constant(name: str) -> None:
    raise ValueError(_("%(value)s is not a number JSON allows") % {"value": name})


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose names are all different: taking either value of a repeated name
    would drop the other unseen."""
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise ValueError(_("the key “%(key)s” comes twice in one object") % {"key": key})
            seen.add(key)
    return mapping


def _parse_json(data: bytes) -> Any:
    try:
        return json.loads(
            data,
            parse_constant=_refuse_constant,
            parse_int=_json_int,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        raise PriceListParseError(
            _("Not valid JSON (column %(column)d): %(problem)s")
            % {"column": error.colno, "problem": json_problem(error)},
            line=error.lineno,
        ) from None
    except (ValueError, RecursionError) as error:
        raise PriceListParseError(_("Not valid JSON: %(problem)s") % {"problem": error}) from None


# What libyaml says of the mistakes made in a price list most often, in the words of the
# project's catalog (libyaml speaks English only); anything else is passed on as it says it.
_YAML_PROBLEMS = {
    "did not find expected ',' or ']'": gettext_noop("a “,” or “]” is missing"),
    "did not find expected ',' or '}'": gettext_noop("a “,” or “}” is missing"),
    "mapping values are not allowed in this context": gettext_noop(
        "a “:” where no mapping can start: a value with “: ” in it must be in quotes"
    ),
    "found character that cannot start any token": gettext_noop(
        "a character no value can start with (a tab, “@” or “`”): put the value in quotes"
    ),
    "found unknown escape character": gettext_noop(
        "an unknown escape (\\) in a double-quoted string"
    ),
    "did not find expected '-' indicator": gettext_noop(
        "a line that is not a “- ” item among a list's items: check its indentation"
    ),
    "did not find expected key": gettext_noop(
        "a line that is not a “key: value” among a mapping's keys: check its indentation"
    ),
    "could not find expected ':'": gettext_noop("a “:” after a key is missing"),
    "did not find expected node content": gettext_noop("a value is missing"),
    "block sequence entries are not allowed in this context": gettext_noop(
        "a “- ” item where a value was expected: check its indentation"
    ),
    "found a tab character that violates indentation": gettext_noop(
        "a tab in the indentation: indent with spaces"
    ),
    "found unexpected end of stream": gettext_noop("the file ends inside a value"),
}
# A reader's reasons: the file's bytes are not UTF-8 text.
_NOT_UTF8_REASONS = frozenset(
    {
        "invalid leading UTF-8 octet",
        "invalid trailing UTF-8 octet",
        "incomplete UTF-8 octet sequence",
        "invalid length of a UTF-8 sequence",
        "invalid Unicode character",
    }
)


def _parse_yaml(data: bytes) -> tuple[Any, Locations]:
    parser = _YAML_PARSER(data)
    locations = Locations(unit="line")
    try:
        return _build(parser, locations.items), locations
    except yaml.reader.ReaderError as error:
        # No mark: the line is found from the byte the reader stopped at.
        if error.reason in _NOT_UTF8_REASONS:
            problem = _("the file is not UTF-8 here: save it as UTF-8")
        elif error.reason == "control characters are not allowed":
            problem = _("a control character (%(code)s), which YAML does not allow") % {
                "code": f"U+{error.character:04X}"
                if isinstance(error.character, int)
                else repr(error.character)
            }
        else:
            problem = str(error.reason)
        raise PriceListParseError(
            _("Not valid YAML: %(problem)s") % {"problem": problem},
            line=data.count(b"\n", 0, error.position) + 1,
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        said = getattr(error, "problem", None)
        known = _YAML_PROBLEMS.get(said) if isinstance(said, str) else None
        raise PriceListParseError(
            _("Not valid YAML: %(problem)s") % {"problem": _(known) if known else said or error},
            line=mark.line + 1 if mark is not None else None,
        ) from None
    finally:
        parser.dispose()


def _refuse(message: str, event: events.Event) -> NoReturn:
    mark = event.start_mark
    raise PriceListParseError(message, line=mark.line + 1 if mark is not None else None)


class _EventSource(Protocol):
    def get_event(self) -> events.Event: ...


def _build(parser: _EventSource, lines: dict[str, list[int]]) -> Any:
    """One YAML document from the parser's events; refuses tags, anchors and aliases.

    `lines[key]` gets the line of each item of the list under the top-level `key` (each
    good, each category), so that problems can name it."""
    get_event = parser.get_event
    # A price list repeats its plain scalars (keys, parameter names and values, small
    # numbers): each is resolved once. The values are immutable; the cache is bounded.
    resolved: dict[str, Any] = {}
    written: dict[str, Any] = {}  # the same, for the text of parameters
    documents = 0
    root: Any = None
    # Each open collection: [container, pending mapping key or _NO_KEY, start event, whether
    # its plain scalars are text (a good's parameters)].
    stack: list[list[Any]] = []
    as_text = False
    while True:
        event = get_event()
        if isinstance(event, events.ScalarEvent):
            if event.anchor is not None:
                _refuse(_("YAML anchors and aliases are not allowed."), event)
            if event.tag is None and event.implicit[0]:
                text = event.value
                cache = written if as_text else resolved
                value = cache.get(text, _NO_KEY)
                if value is _NO_KEY:  # rare: most plain scalars of a list repeat
                    value = _as_written(text, event) if as_text else _plain(text, event)
                    if len(cache) < _RESOLVED_CACHE:
                        cache[text] = value
            else:
                value = _scalar(event)
            start = event
        elif isinstance(event, events.MappingStartEvent | events.SequenceStartEvent):
            if event.anchor is not None:
                _refuse(_("YAML anchors and aliases are not allowed."), event)
            if event.tag is not None and event.tag not in (_SEQ, _MAP, "!"):
                _refuse(_("YAML tag %(tag)s is not allowed.") % {"tag": event.tag}, event)
            if len(stack) >= MAX_DEPTH:
                _refuse(_("The document is nested too deeply."), event)
            mapping = isinstance(event, events.MappingStartEvent)
            as_text = mapping and bool(stack) and stack[-1][1] == "parameters"
            stack.append([{} if mapping else [], _NO_KEY, event, as_text])
            continue
        elif isinstance(event, events.MappingEndEvent | events.SequenceEndEvent):
            value, _key, start, _as_text = stack.pop()
            as_text = bool(stack) and stack[-1][3]
        elif isinstance(event, events.AliasEvent):
            _refuse(_("YAML anchors and aliases are not allowed."), event)
        elif isinstance(event, events.DocumentStartEvent):
            documents += 1
            if documents > 1:
                _refuse(_("Only one YAML document is allowed."), event)
            continue
        elif isinstance(event, events.StreamEndEvent):
            return root
        else:  # stream start, document end
            continue

        if not stack:
            root = value
            continue
        top = stack[-1]
        container = top[0]
        if type(container) is list:
            container.append(value)
            if len(stack) == 2 and type(stack[0][0]) is dict and isinstance(stack[0][1], str):
                mark = start.start_mark
                lines.setdefault(stack[0][1], []).append(mark.line + 1 if mark else 0)
        elif top[1] is _NO_KEY:
            if isinstance(value, dict | list):
                _refuse(_("Mapping keys must be scalars."), event)
            if value in container:
                # YAML forbids it; taking either value would drop the other unseen.
                _refuse(_("The key “%(key)s” comes twice.") % {"key": value}, event)
            top[1] = value
        else:
            container[top[1]] = value
            top[1] = _NO_KEY


_NO_KEY = object()
_RESOLVED_CACHE = 10_000
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


def _scalar(event: events.ScalarEvent) -> Any:
    value = event.value
    tag = event.tag
    if tag is not None and tag != "!":
        if tag == _STR:
            return value
        _refuse(_("YAML tag %(tag)s is not allowed.") % {"tag": tag}, event)
    if not event.implicit[0]:  # quoted
        return value
    return _plain(value, event)


def _plain(value: str, event: events.ScalarEvent) -> Any:
    """A plain (unquoted, untagged) scalar, resolved as YAML 1.1 says."""
    for resolved, regexp in _IMPLICIT.get(value[:1] if value else "", ()):
        if regexp.match(value):
            return _RESOLVED[resolved](value, event)
    return value


def _as_written(value: str, event: events.ScalarEvent) -> str | None:
    """A plain scalar among a good's parameters: its text, a null being no value."""
    return None if value in _NULLS else value


def _yaml_int(value: str, event: events.ScalarEvent) -> int | Decimal | SpelledNumber:
    digits = value.lstrip("+-")
    if not digits.isdecimal() or (digits[0] == "0" and len(digits) > 1):
        return SpelledNumber(value)  # 0x1f, 017, 0b11, 1_000, 1:30
    try:
        return int(value)
    except ValueError:
        return _long_integer(value)


def _yaml_float(value: str, event: events.ScalarEvent) -> float | SpelledNumber:
    if "_" in value or ":" in value:
        return SpelledNumber(value)  # 1_000.5, 1:30.5
    return _SAFE.construct_yaml_float(ScalarNode("", value))


def _json_int(text: str) -> int | Decimal:
    try:
        return int(text)
    except ValueError:
        return _long_integer(text)


def _long_integer(text: str) -> Decimal:
    """An integer with more digits than int() converts (sys.get_int_max_str_digits, 4,300),
    kept exact as a Decimal (built from its digits, it is never rounded): no field takes
    one, so validation refuses it and says where, instead of the import failing
    unexpectedly. Only plain decimal digits get here: the other forms stay text."""
    return Decimal(text)


def _refuse_merge(value: str, event: events.ScalarEvent) -> NoReturn:
    _refuse(_("YAML merge keys are not allowed."), event)


_RESOLVED = {
    _TAG + "null": lambda value, event: None,
    _TAG + "bool": lambda value, event: SafeConstructor.bool_values[value.lower()],
    _TAG + "int": _yaml_int,
    _TAG + "float": _yaml_float,
    # Dates stay text: a price list has no use for them and building them is slow.
    _TAG + "timestamp": lambda value, event: value,
    _TAG + "value": lambda value, event: value,
    _TAG + "merge": _refuse_merge,
    _TAG + "yaml": lambda value, event: value,
}
