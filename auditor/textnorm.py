"""Text normalisation shared by every stage: full/half width, spaces from PDF extraction, enumerators."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}\d%，。；：、）”])[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?=[{_CJK}，。；：、（“])")
# "一、" "(一)" "（一）" "1." "1、" "(1)" "①"(NFKC → 1) at the start of a label, possibly repeated
_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十\d]+\)|\d+[.、．](?!\d))")
_PARENTHETICAL = re.compile(r"\([^()]*\)")


def nfkc(text: str) -> str:
    """Full-width forms to half-width (（一）→(一), ０→0), as every matcher expects."""
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """NFKC with every whitespace character removed: the form labels are compared in."""
    return _WS.sub("", nfkc(text))


def tidy(text: str) -> str:
    """Readable text: NFKC, no spaces next to CJK characters ("2025 年" → "2025年"), single spaces."""
    text = _SPACE_NEAR_CJK.sub("", nfkc(text))
    return _WS.sub(" ", text).strip()


def strip_enumerator(label: str) -> str:
    """Remove leading enumerators: "三、(一)予以公开" → "予以公开"; the input should be squashed."""
    previous = None
    while previous != label:
        previous = label
        label = _ENUMERATOR.sub("", label, count=1)
    return label


def strip_parenthetical(label: str) -> str:
    """Drop explanatory notes in brackets: "部分公开(区分处理的,…)" → "部分公开"."""
    stripped = _PARENTHETICAL.sub("", label)
    return stripped or label


def fold(text: str) -> tuple[str, list[int]]:
    """`text` as squash() folds it (NFKC, no whitespace), and for each folded character its index in `text`:
    a match found in the folded form maps back to the exact span of the source."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for part in unicodedata.normalize("NFKC", ch):
            if not part.isspace():
                out.append(part)
                index.append(i)
    return "".join(out), index
