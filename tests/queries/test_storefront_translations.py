"""The Russian catalogue is complete and current: every storefront string has a real translation."""

import re
from pathlib import Path

from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
RUSSIAN = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
TEMPLATES = ROOT / "templates"
TRANSLATE_TAG = re.compile(r'{%\s*translate\s+"([^"]+)"|{%\s*translate\s+\'([^\']+)\'')


def po_entries(path: Path) -> list[dict[str, str]]:
    """msgid, msgid_plural, msgstr/msgstr[n] and flags of each entry (just enough of the format for a check)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, str] = {"flags": ""}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith('"') and key:
                entry[key] += line[1:-1]
            elif not line.startswith("#") and " " in line:
                key, value = line.split(" ", 1)
                entry[key] = value[1:-1]
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_every_russian_entry_is_translated_and_not_fuzzy():
    entries = [entry for entry in po_entries(RUSSIAN) if entry["msgid"]]
    assert len(entries) > 100
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        translations = [value for key, value in entry.items() if key.startswith("msgstr")]
        assert translations and all(translations), f"untranslated: {entry['msgid']}"
        assert all(value != entry["msgid"] for value in translations) or entry["msgid"] in {"SKU"}, entry


def test_every_template_string_is_in_the_catalogue():
    msgids = {entry["msgid"] for entry in po_entries(RUSSIAN)}
    templates = [path for path in TEMPLATES.rglob("*.html") if "admin" not in path.relative_to(TEMPLATES).parts]
    used = {
        match.group(1) or match.group(2) for path in templates for match in TRANSLATE_TAG.finditer(path.read_text())
    }
    assert len(used) > 70
    assert used - msgids == set(), "run: manage.py makemessages -l ru, then translate"


def test_the_compiled_catalogue_is_used():
    with translation.override("ru"):
        assert translation.gettext("Your cart") == "Ваша корзина"
        assert translation.ngettext("%(counter)s product", "%(counter)s products", 5) == "%(counter)s товаров"
