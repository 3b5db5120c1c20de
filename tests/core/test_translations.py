"""The Russian catalog is complete, keeps every placeholder, and is what Django serves."""

import re
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

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
