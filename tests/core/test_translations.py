"""The Russian catalog is complete, keeps every placeholder, and is what Django serves."""

import ast
import io
import re
import tokenize
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from django.utils.translation.template import templatize

CATALOG = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def catalog() -> polib.POFile:
    return polib.pofile(str(CATALOG))


@pytest.fixture(scope="module")
def compiled_catalog():
    """Compile the .po into the .mo, then make Django drop any catalog it had already loaded."""
    call_command("compile_translations", stdout=StringIO())
    # Changing LOCALE_PATHS (even to the same value) resets Django's translation caches.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


def live_entries(catalog: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalog if not entry.obsolete]


def translations_of(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def test_the_catalog_has_entries(catalog):
    assert len(live_entries(catalog)) > 100


def test_no_entry_is_fuzzy(catalog):
    fuzzy = [entry.msgid for entry in live_entries(catalog) if entry.fuzzy]
    assert not fuzzy, f"fuzzy entries in {CATALOG.name}: {fuzzy}"


def test_every_entry_is_translated(catalog):
    untranslated = [
        entry.msgid
        for entry in live_entries(catalog)
        if not all(text.strip() for text in translations_of(entry))
    ]
    assert not untranslated, f"untranslated entries in {CATALOG.name}: {untranslated}"


def test_plural_entries_have_every_russian_form(catalog):
    expected = int(re.search(r"nplurals\s*=\s*(\d+)", catalog.metadata["Plural-Forms"]).group(1))
    assert expected == 4
    short = [
        entry.msgid
        for entry in live_entries(catalog)
        if entry.msgid_plural and sorted(entry.msgstr_plural) != list(range(expected))
    ]
    assert not short, f"plural entries without {expected} forms: {short}"


def test_translations_keep_every_placeholder(catalog):
    broken = []
    for entry in live_entries(catalog):
        expected = placeholders(entry.msgid)
        if entry.msgid_plural:
            # Russian form 0 serves 21, 31…, so every form needs the count of the plural msgid.
            expected |= placeholders(entry.msgid_plural)
        for text in translations_of(entry):
            if placeholders(text) != expected:
                broken.append((entry.msgid, text))
    assert not broken, f"placeholders differ between msgid and msgstr: {broken}"


@pytest.mark.usefixtures("compiled_catalog")
def test_django_serves_the_russian_catalog():
    with translation.override("ru"):
        text = translation.gettext("Not enough stock for some lines.")
    assert text != "Not enough stock for some lines."
    assert CYRILLIC.search(text), text


@pytest.mark.usefixtures("compiled_catalog")
def test_every_translation_is_what_django_returns(catalog):
    stale = []
    with translation.override("ru"):
        for entry in live_entries(catalog):
            if entry.msgid_plural or entry.fuzzy or not entry.msgstr:
                continue  # reported by the tests above
            if entry.msgctxt:
                served = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                served = translation.gettext(entry.msgid)
            if served != entry.msgstr:
                stale.append((entry.msgid, served))
    assert not stale, f"Django does not serve these catalog translations: {stale}"


@pytest.mark.usefixtures("compiled_catalog")
@pytest.mark.parametrize(("count", "form"), [(1, 0), (2, 1), (5, 2), (11, 2), (21, 0), (22, 1)])
def test_plural_forms_follow_russian_rules(catalog, count, form):
    plurals = [entry for entry in live_entries(catalog) if entry.msgid_plural]
    if not plurals:
        pytest.skip("no plural entries")
    with translation.override("ru"):
        for entry in plurals:
            served = translation.ngettext(entry.msgid, entry.msgid_plural, count)
            assert served == entry.msgstr_plural[form], (entry.msgid, count)


# The translation functions and the position of their msgid (after the context for pgettext).
GETTEXT_FUNCTIONS = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "gettext_noop": 0,
    "ngettext": 0,
    "ngettext_lazy": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
    "npgettext": 1,
    "npgettext_lazy": 1,
}
SOURCES = [Path(settings.BASE_DIR) / "procurement", Path(settings.BASE_DIR) / "config"]


def messages_of_call(name: str, arguments: list) -> tuple[str | None, str] | None:
    position = GETTEXT_FUNCTIONS[name]
    if len(arguments) <= position or not isinstance(arguments[position], str):
        return None
    return (arguments[0] if position else None, arguments[position])


def messages_in_python(source: str) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in GETTEXT_FUNCTIONS:
            arguments = [arg.value if isinstance(arg, ast.Constant) else None for arg in node.args]
            message = messages_of_call(name, arguments)
            if message is not None:
                found.add(message)
    return found


def messages_in_template(source: str) -> set[tuple[str | None, str]]:
    """What Django's makemessages would extract: its templatize() turns the template into
    gettext calls, read here token by token."""
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(templatize(source)).readline)
        if token.type in (tokenize.NAME, tokenize.OP, tokenize.STRING)
    ]
    found = set()
    for index, token in enumerate(tokens[:-1]):
        if token.string in GETTEXT_FUNCTIONS and tokens[index + 1].string == "(":
            arguments = []
            for argument in tokens[index + 2 :]:
                if argument.string == ")":
                    break
                if argument.type == tokenize.STRING:
                    arguments.append(ast.literal_eval(argument.string))
            message = messages_of_call(token.string, arguments)
            if message is not None:
                found.add(message)
    return found


def test_every_message_of_the_code_and_templates_is_in_the_catalog(catalog):
    used = set()
    for source in SOURCES:
        for path in source.rglob("*.py"):
            if "migrations" not in path.parts:
                used |= {(*message, path) for message in messages_in_python(path.read_text())}
        for path in source.rglob("templates/**/*.*"):
            used |= {(*message, path) for message in messages_in_template(path.read_text())}
    known = {(entry.msgctxt, entry.msgid) for entry in live_entries(catalog)}
    missing = sorted(
        (str(path.relative_to(settings.BASE_DIR)), message)
        for context, message, path in used
        if (context, message) not in known
    )
    assert len({(context, message) for context, message, _path in used}) > 250
    assert missing == []


EAGER = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
LAZY = {"gettext_lazy", "ngettext_lazy", "pgettext_lazy", "npgettext_lazy"}


def translated_at_import(path: Path) -> list[str]:
    """The lines that translate a message when the module is imported: an eager gettext
    call, or a lazy message formatted with `%` (which makes it a plain string at once),
    outside any function (decorators and default values run at import too)."""
    tree = ast.parse(path.read_text())
    names = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
    }
    eager = {name for name, original in names.items() if original in EAGER - {"_"}}
    lazy = {name for name, original in names.items() if original in LAZY}
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            for default in [*arguments.defaults, *filter(None, arguments.kw_defaults)]:
                visit(default)
            for decorator in getattr(node, "decorator_list", []):
                visit(decorator)
            return
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in eager:
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:60]}")
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Call)
            and getattr(node.left.func, "id", None) in lazy
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:60]}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_no_message_is_translated_when_its_module_is_imported():
    frozen = [
        line
        for source in SOURCES
        for path in sorted(source.rglob("*.py"))
        if "migrations" not in path.parts
        for line in translated_at_import(path)
    ]
    assert frozen == []
