"""A section's text as passages a finding can quote, and cue matching over them (no model, no tokenizer)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Section
from ..textnorm import squash, tidy

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_SUBHEADING_MAX = 24  # a paragraph this short with no full stop is a sub-heading ("（二）依申请公开情况")
_ENDS_SENTENCE = ("。", "；", ";", "！", "!", "？", "?")
_QUOTE_MAX = 160
_HEADING_PREFIX = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、.．]|\d+[.、．])")


@dataclass(frozen=True)
class Passage:
    text: str  # tidy text, verbatim from the section (whitespace aside)
    page: int | None
    section: str


def passages(section: Section) -> list[Passage]:
    """Paragraphs of a section; a sub-heading paragraph is joined to the paragraph after it."""
    out: list[Passage] = []
    pending: tuple[str, int | None] | None = None
    texts = [(tidy(p.text), p.page) for p in section.paragraphs] or [(line, section.page)
                                                                        for line in section.text.split("\n")]
    for text, page in texts:
        if not text:
            continue
        if pending is not None:
            text, page = f"{pending[0]} {text}", pending[1] if pending[1] is not None else page
            pending = None
        if len(squash(text)) <= _SUBHEADING_MAX and not text.endswith(_ENDS_SENTENCE):
            pending = (text, page)
            continue
        out.append(Passage(text, page, section.key))
    if pending is not None:
        out.append(Passage(pending[0], pending[1], section.key))
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def cue_pattern(cue: str) -> re.Pattern:
    """A cue is a literal phrase, or a regular expression when it starts with "re:"; both match squashed text."""
    return re.compile(cue[3:] if cue.startswith("re:") else re.escape(squash(cue)))


def strip_excluded(text: str, exclude: tuple[str, ...]) -> str:
    squashed = squash(text)
    for pattern in exclude:
        squashed = cue_pattern(pattern).sub("", squashed)
    return squashed


def find_cue(text: str, cues: tuple[str, ...], exclude: tuple[str, ...] = ()) -> str | None:
    """The first cue found in the text (after removing excluded phrases), as matched."""
    squashed = strip_excluded(text, exclude)
    for cue in cues:
        match = cue_pattern(cue).search(squashed)
        if match:
            return match.group(0)
    return None


def quote_around(text: str, cue: str | None, limit: int = _QUOTE_MAX) -> str:
    """A verbatim quote: the sentence holding the cue (and the next one if it is a bare heading), cut at a comma."""
    parts = sentences(text)
    if not parts:
        return text[:limit]
    index = 0
    if cue:
        index = next((i for i, s in enumerate(parts) if cue in squash(s)), 0)
    quote = parts[index]
    if len(squash(quote)) <= _SUBHEADING_MAX and index + 1 < len(parts):
        quote = f"{quote}{parts[index + 1]}"  # sentences are adjacent in the text, whitespace aside
    if len(quote) > limit:
        cut = max(quote.rfind("，", 0, limit), quote.rfind(",", 0, limit))
        quote = quote[: cut if cut > limit // 3 else limit]
    return quote.strip()


def content_after_heading(text: str) -> str:
    """The passage without its enumerator and sub-heading title, to tell a real paragraph from a bare heading."""
    squashed = squash(text)
    if not _HEADING_PREFIX.match(squashed):
        return squashed
    squashed = _HEADING_PREFIX.sub("", squashed, count=1)
    cut = min((squashed.find(m) for m in "。:：" if m in squashed[:_SUBHEADING_MAX + 2]), default=-1)
    return squashed[cut + 1:] if cut >= 0 else squashed


def in_text(quote: str, text: str) -> bool:
    """Whether a quote occurs in the text, comparing whitespace-free NFKC forms (the grounding test)."""
    needle = squash(quote).strip("“”\"'「」『』…")
    return bool(needle) and needle in squash(text)
