"""The zh-hans catalogue is complete and matches the source strings.

Runs makemessages on a copy of the source tree and compares its catalogue with the committed
one: a new or changed string that was not added (and translated), or an entry left behind by
a removed string, fails here.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PO = SRC / "qudao" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _keys(po: polib.POFile) -> set[tuple[str, str]]:
    return {(e.msgctxt or "", e.msgid) for e in po if not e.obsolete}


def test_catalogue_has_every_entry_translated():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for entry in polib.pofile(str(PO)):
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(translated)), (
            entry.msgid
        )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
def test_catalogue_is_up_to_date_with_the_source(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            str(Path(sys.executable).parent / "qudao"),
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            "*/tests/*",
            "-v0",
        ],
        cwd=copy / "qudao",
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(copy),
            "QUDAO_VAR_DIR": str(tmp_path / "var"),
        },
    )
    fresh = polib.pofile(str(copy / "qudao" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO))
    missing = sorted(_keys(fresh) - _keys(committed))
    stale = sorted(_keys(committed) - _keys(fresh))
    assert missing == [], "run `qudao makemessages -l zh_Hans` in src/qudao and translate"
    assert stale == [], "remove entries whose source strings are gone (--no-obsolete)"
