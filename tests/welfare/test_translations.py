"""The zh_Hans catalogue is complete: nothing fuzzy, nothing empty, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*(\w+)\s*\}\}|%[sd]")


def _placeholders(text: str) -> list[str]:
    return sorted(
        "".join(match) or token.group(0)
        for token in PLACEHOLDER.finditer(text)
        for match in [token.groups("")]
    )


def test_every_entry_is_translated_and_keeps_its_placeholders():
    problems = []
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete:
            continue
        translated = entry.msgstr_plural.get(0) if entry.msgid_plural else entry.msgstr
        if "fuzzy" in entry.flags or not translated:
            problems.append(f"untranslated: {entry.msgid!r}")
        elif _placeholders(entry.msgid) != _placeholders(translated):
            problems.append(f"placeholders differ: {entry.msgid!r} -> {translated!r}")
    assert not problems, "\n".join(problems)
