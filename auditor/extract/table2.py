"""Rows of 表二 (主动公开政府信息情况) → Table. Four sub-tables, each introduced by 第二十条第（X）项.

Flat items (行政许可, 行政处罚, 行政强制, 行政事业性收费) are stored under the column key "value".
"""

from __future__ import annotations

import re

from ..config import Settings
from ..model import ExtractionNote, LabelTypo, Table
from ..textnorm import squash
from .labels import Match, best_match, labels
from .rows import Row, by_position, by_sequence

_ITEM = re.compile(r"第二十条第\(?([一二三四五六七八九十]+)\)?项")


def _item_of(row: Row) -> str | None:
    for cell in row.cells:
        if cell is not None:
            match = _ITEM.search(squash(cell.text))
            if match:
                return f"第二十条第（{match.group(1)}）项"
    return None


def build_table2(rows: list[Row], settings: Settings) -> Table:
    spec = labels("table2", settings)
    threshold = settings.label_match_threshold
    subtables = {s["item"]: s for s in spec["subtables"]}
    legacy = spec["legacy_2019"]
    all_rows = [(r["key"], alias, r["label"]) for s in spec["subtables"] for r in s["rows"]
                for alias in [r["label"], *r.get("aliases", [])]]
    legacy_rows = [(label, label, label) for label in legacy.get("rows", [])]
    table = Table(name="table2", cells={}, page=rows[0].page if rows else None)

    current = None  # the sub-table in force
    header: list[tuple[str, int]] = []  # (column key, position in the header row)
    for row in rows:
        item = _item_of(row)
        if item is not None:
            current = subtables.get(item)
            header = []
            if current is None and any(m in item for m in legacy["markers"]) or item == "第二十条第（九）项":
                table.layout = "2019"
            continue
        text = squash(" ".join(c.text for c in row.cells if c is not None))
        if any(marker in text for marker in legacy["markers"]):
            table.layout = "2019"
        if "信息内容" in text:
            header = _read_header(row, current, legacy, threshold, table)
            continue
        if not row.label_cells:
            continue
        candidates = [(r["key"], alias, r["label"]) for r in current["rows"]
                      for alias in [r["label"], *r.get("aliases", [])]] if current else all_rows
        match = best_match(row.last_label, candidates, threshold) or best_match(row.last_label, all_rows, threshold)
        if match is None and best_match(row.last_label, legacy_rows, threshold) is not None:
            table.layout = "2019"  # a row only the superseded format has (政府集中采购…); no contract key
            continue
        if match is None:
            if row.has_values:
                table.notes.append(ExtractionNote("unmatched_row", f"表二中有一行无法对应到标准行：“{squash(row.label)}”", page=row.page))
            continue
        if match.key in table.cells:
            continue
        if not match.exact and match.printed != squash(match.official) and match.score < 100:
            table.label_typos.append(LabelTypo(match.printed, match.official, row=match.key, page=row.page))
        wanted = [key for key, _ in header] or _default_columns(match.key, spec)
        if row.grid.regular and header and all(pos is not None for _, pos in header):
            aligned = by_position(row, [pos for _, pos in header])
        else:
            aligned = by_sequence(row, len(wanted), False)
        values = dict(zip(wanted, aligned.cells))
        keep = _default_columns(match.key, spec)
        table.cells[match.key] = {k: v for k, v in values.items() if k in keep}
        if aligned.note and table.cells[match.key]:  # a row whose columns the contract does not keep needs no note
            table.notes.append(ExtractionNote(aligned.kind or "row_short", f"表二“{match.official}”行：{aligned.note}",
                                              row=match.key, page=row.page))
    expected = [r["key"] for s in spec["subtables"] for r in s["rows"]]
    table.missing_rows = [k for k in expected if k not in table.cells]
    return table


def _default_columns(row_key: str, spec: dict) -> list[str]:
    for sub in spec["subtables"]:
        if any(r["key"] == row_key for r in sub["rows"]):
            return [c["key"] for c in sub.get("columns", [{"key": "value"}])]
    return ["value"]


def _read_header(row: Row, current: dict | None, legacy: dict, threshold: float, table: Table) -> list[tuple[str, int]]:
    """Column keys of a sub-table's header row ("信息内容 | 本年制发件数 | …") with their positions.

    A header names each key once: labels printed exactly (official or of the 2019 format) are placed
    first, then the other cells are matched fuzzily against the keys still free, official labels first.
    """
    official = [(c["key"], c["label"], c["label"]) for c in (current or {}).get("columns", [])]
    if current is not None and not current.get("columns"):
        official = [("value", label, label) for label in current["header"][1:]]
    old = [("value" if c["key"] == "decisions" else c["key"], c["label"], c["label"]) for c in legacy["columns"]]
    cells = [(i, c) for i, c in enumerate(row.cells) if c is not None and squash(c.text)][1:]
    chosen: dict[int, tuple[Match, bool]] = {}  # position → (match, is a 2019 label)
    for exact_only in (True, False):
        for position, (_, cell) in enumerate(cells):
            if position in chosen:
                continue
            taken = {match.key for match, _ in chosen.values()}
            for candidates, is_old in ((official, False), (old, True)):
                free = [c for c in candidates if c[0] not in taken]
                match = best_match(cell.text, free, threshold) if free else None
                if match is not None and (match.exact or not exact_only):
                    chosen[position] = (match, is_old)
                    break
    result: list[tuple[str, int]] = []
    for position, (index, cell) in enumerate(cells):
        pos = index if row.grid.regular else None
        if position not in chosen:
            result.append((f"_unknown{position + 1}", pos))
            continue
        match, is_old = chosen[position]
        if is_old:
            table.layout = "2019"
        elif not match.exact:
            table.label_typos.append(LabelTypo(match.printed, match.official, column=match.key, page=cell.page))
        result.append((match.key, pos))
    return result
