"""Quotes that are exact spans of a source text: a quote found in whitespace-free NFKC form is mapped back to the
characters of the source it covers, so "2024年，…" found in "2024 年，…" comes back as "2024 年，…"."""

from __future__ import annotations

from ..textnorm import fold, squash


def verbatim_span(quote: str, text: str) -> str | None:
    """The exact span of `text` that `quote` matches (whitespace and full/half width aside), or None."""
    needle = squash(quote)
    if not needle:
        return None
    haystack, index = fold(text)
    at = haystack.find(needle)
    if at < 0:
        return None
    return text[index[at]: index[at + len(needle) - 1] + 1]


def found_in(quote: str, texts: list[str]) -> str | None:
    """The verbatim span of the first text that holds the quote."""
    for text in texts:
        span = verbatim_span(quote, text)
        if span is not None:
            return span
    return None
