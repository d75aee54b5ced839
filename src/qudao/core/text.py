"""Chinese text helpers: pinyin and initials so that `tbc` finds 踏板车 and `gzxl` 广州迅力."""

from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def pinyin_full(text: str) -> str:
    return "".join(lazy_pinyin(text, errors="ignore")).lower()


def search_text(*parts: str) -> str:
    """One lower-case column to match with icontains: the parts, their pinyin and initials."""
    words: list[str] = []
    for part in parts:
        if not part:
            continue
        words.append(part.lower())
        if any("\u4e00" <= ch <= "\u9fff" for ch in part):
            words.extend([pinyin_full(part), pinyin_initials(part)])
    return " ".join(words)[:600]


def normalize_query(q: str) -> str:
    return " ".join(q.split()).lower()[:100]
