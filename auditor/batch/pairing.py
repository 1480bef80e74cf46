"""Reports of the same body for consecutive years in one batch: the later one is audited against the earlier.

Bodies are compared by `fingerprints.body_key` (NFKC, no spaces or punctuation), so “示例市 财政局” and
“示例市财政局” are one body. When the batch holds two reports of a body for the year before, the first in input
order is taken.
"""

from __future__ import annotations

from .fingerprints import body_key


def previous_year_pairs(identities: dict[str, tuple[str | None, int | None]]) -> dict[str, str]:
    """file → the file of the same body's report for the year before, for every file that has one.

    `identities` maps each audited file, in input order, to (agency, year) as read from the report."""
    by_body_year: dict[tuple[str, int], str] = {}
    for file, (agency, year) in identities.items():
        key = body_key(agency)
        if key and year:
            by_body_year.setdefault((key, year), file)
    pairs = {}
    for file, (agency, year) in identities.items():
        key = body_key(agency)
        if key and year and (key, year - 1) in by_body_year:
            pairs[file] = by_body_year[(key, year - 1)]
    return pairs
