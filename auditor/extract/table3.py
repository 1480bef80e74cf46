"""Rows of 表三 (收到和处理政府信息公开申请情况) → Table with the keys of spec/audit-json.md."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..config import Settings
from ..model import Cell, CellState, ExtractionNote, LabelTypo, RawCell, Table
from ..textnorm import squash
from .labels import Match, best_match, labels
from .rows import Aligned, Row, by_position, by_sequence

_FIRST_DATA_ROWS = {"new_received", "carried_over", "disclosed"}


@dataclass
class _Entry:
    match: Match
    rows: list[Row] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.match.key


def _candidates(spec: dict) -> tuple[list, list, list]:
    rows = [(r["key"], r["core"], r["label"]) for r in spec["rows"]]
    legacy = [(r["key"] + "@2019", r["core"], r["label"]) for r in spec["legacy_2019_rows"]]
    groups = [(g["key"], g["label"], g["label"]) for g in spec["groups"]]
    return rows, legacy, groups


def match_row(row: Row, candidates: list, threshold: float) -> Match | None:
    """Match the item label (last label cell) first, then the whole label (group + item)."""
    best = None
    for printed in (row.last_label, row.label):
        if not printed:
            continue
        match = best_match(printed, candidates, threshold)
        if match is not None and (best is None or match.score > best.score):
            best = match
    return best


def _header_columns(header: list[Row], spec: dict, threshold: float) -> tuple[dict[str, int], list[LabelTypo]]:
    """Leaf column labels found in the header rows → their column index in the grid."""
    columns = [(c["key"], c["label"], c["label"]) for c in spec["columns"]]
    found: dict[str, int] = {}
    typos: list[LabelTypo] = []
    for row in header:
        for index, cell in enumerate(row.cells):
            if cell is None or not squash(cell.text):
                continue
            match = best_match(cell.text, columns, threshold)
            if match is None or match.key in found:
                continue
            found[match.key] = index
            if not match.exact:
                typos.append(LabelTypo(match.printed, match.official, column=match.key, page=cell.page))
    return found, typos


def build_table3(rows: list[Row], settings: Settings) -> Table:
    spec = labels("table3", settings)
    threshold = settings.label_match_threshold
    all_columns = [c["key"] for c in spec["columns"]]
    row_candidates, legacy_candidates, group_candidates = _candidates(spec)
    official = {r["key"]: r["label"] for r in spec["rows"]}

    matches = [match_row(r, row_candidates + legacy_candidates, threshold) for r in rows]
    start = next((i for i, m in enumerate(matches) if m is not None and m.key in _FIRST_DATA_ROWS), None)
    if start is None:
        start = next((i for i, m in enumerate(matches) if m is not None), len(rows))
    header, body = rows[:start], list(zip(rows[start:], matches[start:]))
    table = Table(name="table3", cells={}, page=rows[start].page if start < len(rows) else None)

    column_index, typos = _header_columns(header, spec, threshold)
    table.label_typos.extend(typos)

    # --- rows: group-header rows skipped, labels broken over a page break joined
    candidates = row_candidates + legacy_candidates
    entries: list[_Entry] = []
    unmatched: Row | None = None  # a row that matched nothing: maybe the first half of a label cut by a page break

    def note_unmatched(row: Row) -> None:
        table.notes.append(ExtractionNote(
            "unmatched_row", f"表三中有一行无法对应到标准行：“{squash(row.label) or '（无标签）'}”", page=row.page))

    def note_joined(row: Row, entry: _Entry) -> None:
        table.notes.append(ExtractionNote(
            "row_joined", f"行标签跨页断开，已将“{squash(row.label)}”并入上一行“{entry.match.official}”",
            row=entry.key.removesuffix("@2019"), page=row.page))

    for row, match in body:
        if not row.label_cells and row.numeric_count <= 1:
            continue  # empty, or a stray page number between two halves of the table
        if unmatched is not None:
            head, unmatched = unmatched, None
            entry = _join_unmatched(head, row, match, candidates, threshold)
            if entry is not None:
                entries.append(entry)
                note_joined(row, entry)
                continue
            note_unmatched(head)
        joined = _try_join(entries, row, match, candidates, threshold)
        if joined:
            note_joined(row, joined)
            continue
        group = None if row.has_values else best_match(row.last_label, group_candidates, threshold)
        if group is not None and (match is None or group.score >= match.score):
            continue  # a group's title on a row of its own ("（六）其他处理" without values is no 2019 row)
        if match is None:
            if row.has_values or squash(row.label):
                unmatched = row
            continue
        entries.append(_Entry(match, [row]))
    if unmatched is not None:
        note_unmatched(unmatched)

    keys_seen = {e.key for e in entries}
    if "other_other@2019" in keys_seen and not keys_seen & {"other_no_correction", "other_fee_unpaid"}:
        table.layout = "2019"

    # --- columns present
    present = [k for k in all_columns if k in column_index]
    value_rows = [_value_row(e) for e in entries]
    regular = bool(rows) and all(r.grid.regular for r in rows[start:])
    if len(present) < len(all_columns):
        widest = max((r.numeric_count for r in value_rows), default=0)
        if widest >= len(all_columns) or not present:
            table.notes.append(ExtractionNote(
                "header_unreadable", "表三表头无法逐列识别，按数据行的7个数值依标准列序读取"))
            present = list(all_columns)
            column_index = {}
        else:
            table.missing_columns = [k for k in all_columns if k not in present]
    k = len(present)
    filled = sum(1 for r in value_rows if r.numeric_count >= k) * 2 >= max(len(value_rows), 1)

    def row_check(values: list[int]) -> bool:
        return "total" not in present or values[-1] == sum(values[:-1])

    aligned: dict[str, Aligned] = {}
    for entry, value_row in zip(entries, value_rows):
        key = entry.key.removesuffix("@2019")
        if key in aligned:
            table.notes.append(ExtractionNote(
                "duplicate_row", f"表三中“{entry.match.official}”出现了两次，已采用第一次出现的数值", row=key, page=value_row.page))
            continue
        if regular and column_index and all(k_ in column_index for k_ in present):
            aligned[key] = by_position(value_row, [column_index[c] for c in present])
        else:
            aligned[key] = by_sequence(value_row, k, filled, row_check)
        if not entry.match.exact and not entry.key.endswith("@2019"):
            table.label_typos.append(LabelTypo(entry.match.printed, official[key], row=key, page=value_row.page))

    _resolve_ambiguous_splits(aligned, present)

    for entry in entries:
        key = entry.key.removesuffix("@2019")
        if key not in aligned or key in table.cells:
            continue
        result = aligned[key]
        table.cells[key] = dict(zip(present, result.cells))
        if result.note:
            table.notes.append(ExtractionNote(result.kind or "row_short", f"表三“{entry.match.official}”行：{result.note}",
                                              row=key, page=entry.rows[0].page))
    table.missing_rows = [r["key"] for r in spec["rows"] if r["key"] not in table.cells]
    return table


def _value_row(entry: _Entry) -> Row:
    """The row holding the values of an entry whose label was joined from several rows."""
    with_values = [r for r in entry.rows if r.has_values]
    if len(with_values) <= 1 or not with_values[0].grid.regular:
        return with_values[0] if with_values else entry.rows[0]
    base = with_values[0]
    merged: list[RawCell | None] = list(base.cells)
    for other in with_values[1:]:
        for j, cell in enumerate(other.cells[: len(merged)]):
            if cell is not None and squash(cell.text) and (merged[j] is None or not squash(merged[j].text)):
                merged[j] = cell
    row = Row(cells=merged, grid=base.grid, label_cells=base.label_cells)
    label_end = base.label_cells[-1][0] if base.label_cells else -1
    row.region = [(j, merged[j]) for j in range(label_end + 1, len(merged))]
    return row


def _try_join(entries: list[_Entry], row: Row, own: Match | None, candidates: list, threshold: float
              ) -> _Entry | None:
    """A row whose label matches nothing, or only a fragment ("过程性信息" ~ "属于四类过程性信息"), may be the rest
    of the previous row's label cut by a page break: joined when the whole label matches better than either part."""
    if not entries or not row.label_cells or (own is not None and (own.exact or row.has_values)):
        return None
    previous = entries[-1]
    joined_label = "".join(squash(r.last_label) for r in previous.rows) + squash(row.last_label)
    match = best_match(joined_label, candidates, threshold)
    if match is None or match.score < previous.match.score or (own is not None and match.score <= own.score):
        return None
    if row.has_values and any(r.has_values for r in previous.rows) and not row.grid.regular:
        return None  # both halves carry numbers: two rows, not one
    previous.match = match
    previous.rows.append(row)
    return previous


def _join_unmatched(head: Row, row: Row, own: Match | None, candidates: list, threshold: float) -> _Entry | None:
    """The entry of a label cut by a page break whose first half matched nothing ("5.属于三类内" + "部事务信息")."""
    if not row.label_cells or (own is not None and own.exact):
        return None
    if row.has_values and head.has_values and not row.grid.regular:
        return None  # both halves carry numbers: two rows, not one
    match = best_match(squash(head.last_label) + squash(row.last_label), candidates, threshold)
    if match is None or (own is not None and match.score <= own.score):
        return None
    return _Entry(match, [head, row])


def _resolve_ambiguous_splits(aligned: dict[str, Aligned], present: list[str], limit: int = 20000) -> None:
    """Run-together digits with several row-consistent splits: keep the one the column identities allow."""
    open_rows = [key for key, a in aligned.items() if a.candidates]
    if not open_rows:
        return
    combos = 1
    for key in open_rows:
        combos *= len(aligned[key].candidates)
    if combos > limit:
        return
    details = [k for k in aligned if k not in ("new_received", "carried_over", "results_total", "carried_forward")]
    fitting = []
    for choice in itertools.product(*(aligned[key].candidates for key in open_rows)):
        values = {key: dict(zip(present, [c.value for c in a.cells])) for key, a in aligned.items()}
        for key, split in zip(open_rows, choice):
            values[key] = dict(zip(present, split))
        if _columns_hold(values, present, details):
            fitting.append(choice)
    if len(fitting) != 1:
        return
    for key, split in zip(open_rows, fitting[0]):
        old = aligned[key]
        raw = old.cells[0].raw
        note = f"原文数字连写为“{raw}”，按本行及各列勾稽关系唯一可行的拆分读作 {'、'.join(map(str, split))}"
        aligned[key] = Aligned([Cell(v, CellState.NUMBER, raw, old.cells[0].page, None, note) for v in split],
                               note, "digits_split")


def _columns_hold(values: dict[str, dict], present: list[str], details: list[str]) -> bool:
    """Both column identities of 表三, evaluated where every cell is known."""
    for column in present:
        def v(row):
            return values.get(row, {}).get(column)
        a = [v("new_received"), v("carried_over"), v("results_total"), v("carried_forward")]
        if None not in a and a[0] + a[1] != a[2] + a[3]:
            return False
        parts = [v(r) for r in details]
        if v("results_total") is not None and parts and None not in parts and sum(parts) != v("results_total"):
            return False
    return True
