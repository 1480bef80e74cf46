"""The roster of bodies expected to report (`--roster CSV`: name, region, level) and the coverage it gives.

The CSV may come from Excel or WPS: UTF-8 (with or without BOM) or GBK, a header row in Chinese or English
(单位名称/名称/name, 地区/region, 层级/级别/level), or no header at all (then the columns are taken in that order).
A report matches a roster entry by body name (fingerprints.body_key), or failing that by a close spelling
(rapidfuzz ratio ≥ ROSTER_MATCH_RATIO, one best candidate).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from ..errors import AuditorError
from ..textnorm import squash
from .fingerprints import body_key

ROSTER_MATCH_RATIO = 92.0
HEADERS = {
    "name": ("单位名称", "单位", "机关名称", "机关", "名称", "name", "body", "agency"),
    "region": ("地区", "区域", "行政区", "region"),
    "level": ("层级", "级别", "level"),
}
_YEAR = re.compile(r"(20\d\d)")
# coverage of one body in one year
SUBMITTED, FAILED, UNREADABLE, MISSING = "submitted", "failed", "unreadable", "missing"


class RosterError(AuditorError):
    code = "invalid_roster"


@dataclass(frozen=True)
class RosterEntry:
    name: str
    region: str | None = None
    level: str | None = None

    @property
    def key(self) -> str:
        return body_key(self.name) or self.name


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(f"名单“{name}”的编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV 文件。")


def parse_roster(data: bytes, name: str = "名单") -> list[RosterEntry]:
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(_decode(data, name))) if any(c.strip() for c in row)]
    if not rows:
        raise RosterError(f"名单“{name}”是空的：每行应为 单位名称,地区,层级。")
    header = [h.lower() for h in rows[0]]
    columns = {}
    for key, names in HEADERS.items():
        columns[key] = next((i for i, h in enumerate(header) if h in names), None)
    if columns["name"] is None:
        columns = {"name": 0, "region": 1, "level": 2}
    else:
        rows = rows[1:]
    entries, seen = [], set()
    for row in rows:
        def cell(key):
            i = columns.get(key)
            return (row[i] or None) if i is not None and i < len(row) else None
        entry = RosterEntry(cell("name") or "", cell("region"), cell("level"))
        if entry.name and entry.key not in seen:
            seen.add(entry.key)
            entries.append(entry)
    if not entries:
        raise RosterError(f"名单“{name}”中没有单位名称：每行应为 单位名称,地区,层级。")
    return entries


def read_roster(path: Path) -> list[RosterEntry]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RosterError(f"无法读取名单“{path}”（{type(error).__name__}），请检查路径。") from error
    return parse_roster(data, path.name)


class RosterIndex:
    """Finds the roster entry of an agency name."""

    def __init__(self, entries: list[RosterEntry]):
        self.entries = entries
        self.by_key = {e.key: e for e in entries}

    def match(self, agency: str | None) -> RosterEntry | None:
        key = body_key(agency)
        if not key or not self.entries:
            return None
        if key in self.by_key:
            return self.by_key[key]
        best = process.extract(key, list(self.by_key), scorer=fuzz.ratio, limit=2)
        if best and best[0][1] >= ROSTER_MATCH_RATIO and (len(best) < 2 or best[1][1] < best[0][1]):
            return self.by_key[best[0][0]]
        return None

    def match_file_name(self, file: str) -> tuple[RosterEntry, int] | None:
        """For a file that could not be read: the entry whose name its path spells out, and the year in it."""
        squashed = squash(file)
        year = _YEAR.search(squashed)
        named = [e for e in self.entries if squash(e.name) in squashed]
        if year and named:
            return max(named, key=lambda e: len(e.name)), int(year.group(1))
        return None


@dataclass
class Coverage:
    years: list[int]
    rows: list[tuple[RosterEntry, dict[int, tuple[str, str | None]]]]  # entry → year → (status, file)
    unmatched: list[str] = field(default_factory=list)  # files of reports that match no roster entry

    def missing(self) -> list[tuple[RosterEntry, int]]:
        return [(entry, year) for entry, cells in self.rows for year in self.years if cells[year][0] == MISSING]


def coverage(entries: list[RosterEntry], records) -> Coverage:
    """Roster × years of the batch: submitted, failed (verdict fail), unreadable or missing; and the reports that
    match no entry. `records` are BatchRecords (agency, year, verdict, status, file)."""
    index = RosterIndex(entries)
    years = sorted({r.year for r in records if r.year})
    cells: dict[str, dict[int, tuple[str, str | None]]] = {e.key: {} for e in entries}
    rank = {SUBMITTED: 0, FAILED: 1, UNREADABLE: 2}
    unmatched = []

    def put(entry: RosterEntry, year: int, status: str, file: str) -> None:
        old = cells[entry.key].get(year)
        if old is None or rank[status] < rank[old[0]]:  # a readable report beats a failed or unreadable one
            cells[entry.key][year] = (status, file)

    for record in records:
        if record.status == "audited":
            entry = index.match(record.agency)
            if entry is None:
                unmatched.append(record.file)
            elif record.year:
                put(entry, record.year, FAILED if record.verdict == "fail" else SUBMITTED, record.file)
        else:
            found = index.match_file_name(record.file)
            if found and found[1] in years:
                put(found[0], found[1], UNREADABLE, record.file)
    rows = [(e, {y: cells[e.key].get(y, (MISSING, None)) for y in years}) for e in entries]
    return Coverage(years, rows, unmatched)
