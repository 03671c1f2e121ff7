"""The Macedonian and Albanian interface catalogs: complete, well-formed, and compiled.

When a test here fails, run `scripts/translations.sh update`, translate the entries it lists in
app/translations/{mk,sq}/LC_MESSAGES/messages.po, then run `scripts/translations.sh compile`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
LOCALES = ("mk", "sq")
# The same extraction keywords as scripts/translations.sh (gettext, ngettext and pgettext are defaults).
KEYWORDS = ("_l", "lazy_gettext", "lazy_pgettext:1c,2", "lazy_ngettext:1,2")
PLURAL_FORMS = {
    "mk": (2, "(n % 10 == 1 && n % 100 != 11) ? 0 : 1"),
    "sq": (2, "(n != 1)"),
}
# A printf-style placeholder as Python's % operator reads it: %(name)s, %d, %.1f, and %% for a percent sign.
# The space flag is left out on purpose, so a literal percent sign before a word ("(% of the days)") is text.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0+]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_po(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def show(msgid) -> str:
    return repr(msgid[0] if isinstance(msgid, tuple | list) else msgid)


def listing(title: str, items: list[str]) -> str:
    return f"{title} ({len(items)}):\n" + "\n".join(f"  - {item}" for item in items)


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory) -> Catalog:
    """Extract the strings from the sources now, as `scripts/translations.sh update` does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(pot)]
    for keyword in KEYWORDS:
        command += ["-k", keyword]
    result = subprocess.run([*command, "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stderr}"
    with pot.open("rb") as f:
        return read_po(f)


def test_every_template_can_be_extracted():
    """pybabel extract skips, without a word, a template Jinja cannot parse, and so drops all its strings."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, _options = parse_mapping_cfg(f)
    patterns = [pattern for pattern, method in method_map if method == "jinja2"]
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    broken = []
    for path in sorted((ROOT / "app").rglob("*")):
        name = path.relative_to(ROOT).as_posix()
        if path.is_file() and any(pathmatch(pattern, name) for pattern in patterns):
            try:
                environment.parse(path.read_text(encoding="utf-8"))
            except jinja2.TemplateSyntaxError as error:
                broken.append(f"{name}:{error.lineno}: {error.message}")
    assert not broken, listing("templates Jinja cannot parse, so their strings are never extracted", broken)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_source_string(fresh_template, locale):
    catalog = load_po(locale)
    # A message with a context ("workshop", "Published") is another entry than the same words without one.
    missing = [
        show(m.id) + (f" (context {m.context!r})" if m.context else "")
        for m in fresh_template
        if m.id and catalog.get(m.id, context=m.context) is None
    ]
    assert not missing, listing(
        f"{locale}: strings in the source that {po_path(locale).relative_to(ROOT)} lacks; "
        "run scripts/translations.sh update, then translate them",
        missing,
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_plural_forms(locale):
    catalog = load_po(locale)
    assert (catalog.num_plurals, catalog.plural_expr) == PLURAL_FORMS[locale], (
        f"{locale}: unexpected Plural-Forms header: {catalog.plural_forms}"
    )
    assert not catalog.fuzzy, (
        f"{locale}: the header is marked fuzzy, so pybabel compile would skip the catalog"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_is_translated_and_not_fuzzy(locale):
    catalog = load_po(locale)
    untranslated, fuzzy, wrong_forms = [], [], []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(show(message.id))
        if message.pluralizable:
            forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
            if len(forms) != catalog.num_plurals:
                wrong_forms.append(f"{show(message.id)}: {len(forms)} forms, expected {catalog.num_plurals}")
            if not all(forms):
                untranslated.append(show(message.id))
        elif not message.string:
            untranslated.append(show(message.id))
    problems = []
    if untranslated:
        problems.append(listing(f"{locale}: untranslated (empty msgstr)", untranslated))
    if fuzzy:
        problems.append(listing(f"{locale}: marked fuzzy (check each, then remove the flag)", fuzzy))
    if wrong_forms:
        problems.append(listing(f"{locale}: wrong number of plural forms", wrong_forms))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    catalog = load_po(locale)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if message.pluralizable:
            expected = placeholders(message.id[-1])
            for index, form in enumerate(message.string):
                if form and placeholders(form) != expected:
                    wrong.append(
                        f"{show(message.id)} msgstr[{index}]: has {sorted(placeholders(form).elements())}, "
                        f"needs {sorted(expected.elements())}"
                    )
        elif placeholders(message.string) != placeholders(message.id):
            wrong.append(
                f"{show(message.id)}: has {sorted(placeholders(message.string).elements())}, "
                f"needs {sorted(placeholders(message.id).elements())}"
            )
    assert not wrong, listing(f"{locale}: placeholders differ from the English", wrong)


def as_key(value):
    return tuple(value) if isinstance(value, tuple | list) else value


def mo_messages(catalog: Catalog) -> dict:
    return {(m.context, as_key(m.id)): as_key(m.string) for m in catalog if m.id}


# WTForms' and Flask-WTF's own messages ("This field is required.") come from the app's gettext domain
# "wtforms" (see app/forms.py). Its template is WTForms' wtforms.pot plus the few Flask-WTF messages that go
# through field.gettext; compile with `.venv/bin/pybabel compile -D wtforms -d app/translations`.
WTFORMS_POT = TRANSLATIONS / "wtforms.pot"
# str.format fields, as in Flask-WTF's "File does not have an approved extension: {extensions}".
BRACE_FIELD = re.compile(r"\{[^{}]*\}")


def wtforms_po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "wtforms.po"


def load_wtforms_po(locale: str) -> Catalog:
    with wtforms_po_path(locale).open("rb") as f:
        return read_po(f, locale=locale, domain="wtforms")


def load_wtforms_pot() -> Catalog:
    with WTFORMS_POT.open("rb") as f:
        return read_po(f)


def wtforms_placeholders(text: str) -> Counter:
    return placeholders(text) + Counter(BRACE_FIELD.findall(text))


def test_wtforms_template_has_every_installed_wtforms_message():
    """After a WTForms upgrade, its new messages must be added to app/translations/wtforms.pot."""
    import wtforms

    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as f:
        upstream = read_po(f)
    template = load_wtforms_pot()
    missing = [show(m.id) for m in upstream if m.id and m.id not in template]
    assert not missing, listing(
        f"messages of the installed WTForms that {WTFORMS_POT.relative_to(ROOT)} lacks", missing
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_wtforms_catalog_translates_the_template(locale):
    template, catalog = load_wtforms_pot(), load_wtforms_po(locale)
    assert (catalog.num_plurals, catalog.plural_expr) == PLURAL_FORMS[locale], (
        f"{locale}: unexpected Plural-Forms header in wtforms.po: {catalog.plural_forms}"
    )
    assert not catalog.fuzzy, (
        f"{locale}: the wtforms.po header is marked fuzzy, so pybabel compile would skip the catalog"
    )
    missing, untranslated, fuzzy, wrong_forms, wrong_placeholders = [], [], [], [], []
    for entry in template:
        if not entry.id:
            continue
        message = catalog.get(entry.id)
        if message is None:
            missing.append(show(entry.id))
            continue
        if message.fuzzy:
            fuzzy.append(show(entry.id))
        if entry.pluralizable:
            forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
            if not message.pluralizable or len(forms) != catalog.num_plurals:
                wrong_forms.append(f"{show(entry.id)}: {len(forms)} forms, expected {catalog.num_plurals}")
            pairs = [(f"msgstr[{index}]", form) for index, form in enumerate(forms)]
            expected = wtforms_placeholders(entry.id[-1])
        else:
            pairs = [("msgstr", message.string)]
            expected = wtforms_placeholders(entry.id)
        if not all(form for _, form in pairs):
            untranslated.append(show(entry.id))
        for name, form in pairs:
            if form and wtforms_placeholders(form) != expected:
                wrong_placeholders.append(
                    f"{show(entry.id)} {name}: has {sorted(wtforms_placeholders(form).elements())}, "
                    f"needs {sorted(expected.elements())}"
                )
    problems = []
    if missing:
        problems.append(
            listing(
                f"{locale}: in wtforms.pot but not in wtforms.po (run pybabel update -D wtforms)", missing
            )
        )
    if untranslated:
        problems.append(listing(f"{locale}: untranslated (empty msgstr) in wtforms.po", untranslated))
    if fuzzy:
        problems.append(
            listing(f"{locale}: marked fuzzy in wtforms.po (check each, then remove the flag)", fuzzy)
        )
    if wrong_forms:
        problems.append(listing(f"{locale}: wrong number of plural forms in wtforms.po", wrong_forms))
    if wrong_placeholders:
        problems.append(
            listing(f"{locale}: placeholders in wtforms.po differ from the English", wrong_placeholders)
        )
    assert not problems, "\n".join(problems)


# Both gettext domains: the interface ("messages") and WTForms' own messages ("wtforms").
DOMAINS = {
    "messages": (po_path, load_po),
    "wtforms": (wtforms_po_path, load_wtforms_po),
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_mo_matches_the_po(tmp_path, domain, locale):
    path_of, load = DOMAINS[domain]
    committed = path_of(locale).with_suffix(".mo")
    assert committed.exists(), (
        f"{committed.relative_to(ROOT)} is missing; run scripts/translations.sh compile"
    )
    fresh = tmp_path / f"{domain}.mo"
    with fresh.open("wb") as f:
        write_mo(f, load(locale))
    with fresh.open("rb") as f:
        expected = read_mo(f)
    with committed.open("rb") as f:
        actual = read_mo(f)
    want, have = mo_messages(expected), mo_messages(actual)
    stale = [show(key[1]) for key in want if key not in have or have[key] != want[key]]
    stale += [show(key[1]) for key in have if key not in want]
    assert not stale, listing(
        f"{locale}: {committed.relative_to(ROOT)} is older than the .po; run scripts/translations.sh compile",
        stale,
    )
    assert actual.plural_forms == expected.plural_forms, (
        f"{locale}: the .mo has Plural-Forms {actual.plural_forms!r}, the .po {expected.plural_forms!r}"
    )
