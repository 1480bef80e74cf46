"""Rows of 表四 (行政复议、行政诉讼) → Table: three groups × five cells, from one data row.

The header is read for which cells exist (seed 石嘴山 2023 drops 复议后起诉·总计); a data row of
exactly 15 numbers is trusted over a header that cannot be read (vertical text scrambled).
"""

from __future__ import annotations

from ..config import Settings
from ..model import ExtractionNote, LabelTypo, Table
from ..textnorm import squash
from .labels import best_match, labels
from .rows import Row, by_position, by_sequence


def _leaves(header: list[Row], spec: dict, threshold: float) -> tuple[list[tuple[str, int, int]], list[LabelTypo]]:
    """Leaf labels (结果维持…总计) of the header as (column key, header row number, column index)."""
    columns = [(c["key"], c["label"], c["label"]) for c in spec["columns"]]
    leaves, typos = [], []
    for number, row in enumerate(header):
        for index, cell in enumerate(row.cells):
            if cell is None or not squash(cell.text):
                continue
            match = best_match(cell.text, columns, threshold)
            if match is None:
                continue
            leaves.append((match.key, number, index))
            if not match.exact:
                typos.append(LabelTypo(match.printed, match.official, column=match.key, page=cell.page))
    return leaves, typos


def _assign_groups(order: list[str], groups: list[str]) -> list[tuple[str, str]]:
    """Split the leaf sequence into groups: a group ends after 总计 or when the sequence restarts."""
    result, group, seen = [], 0, set()
    for key in order:
        if key in seen:
            group, seen = group + 1, set()
        if group >= len(groups):
            break
        result.append((groups[group], key))
        seen.add(key)
        if key == "total":
            group, seen = group + 1, set()
    return result


def build_table4(rows: list[Row], settings: Settings) -> Table:
    spec = labels("table4", settings)
    threshold = settings.label_match_threshold
    group_keys = [g["key"] for g in spec["groups"]]
    column_keys = [c["key"] for c in spec["columns"]]
    canonical = [(g, c) for g in group_keys for c in column_keys]

    data_index = max(range(len(rows)), key=lambda i: rows[i].numeric_count, default=None)
    table = Table(name="table4", cells={})
    if data_index is None or rows[data_index].numeric_count == 0:
        table.notes.append(ExtractionNote("no_data_row", "表四中未找到数据行"))
        table.missing_columns = list(column_keys)
        return table
    data = rows[data_index]
    table.page = data.page
    leaves, typos = _leaves(rows[:data_index], spec, threshold)
    table.label_typos.extend(typos)

    if data.grid.regular:
        leaves.sort(key=lambda leaf: leaf[2])  # left to right
    cells_order = _assign_groups([key for key, _, _ in leaves], group_keys)
    numeric = data.numeric_count

    if numeric == len(canonical) and len(cells_order) != len(canonical):
        table.notes.append(ExtractionNote("header_unreadable", "表四表头无法逐格识别，数据行恰有15个数值，按标准顺序读取"))
        cells_order, positions = canonical, None
    elif data.grid.regular and len(cells_order) == len(leaves) and leaves:
        positions = [index for _, _, index in leaves[: len(cells_order)]]
    else:
        positions = None
    if not cells_order:
        cells_order = canonical

    def row_check(values: list[int]) -> bool:
        by_group: dict[str, dict[str, int]] = {}
        for (group, column), value in zip(cells_order, values):
            by_group.setdefault(group, {})[column] = value
        return all(g.get("total") is None or g["total"] == sum(v for c, v in g.items() if c != "total")
                   for g in by_group.values())

    if positions is not None:
        aligned = by_position(data, positions)
    else:
        aligned = by_sequence(data, len(cells_order), True, row_check)
    for (group, column), cell in zip(cells_order, aligned.cells):
        table.cells.setdefault(group, {})[column] = cell
    if aligned.note:
        table.notes.append(ExtractionNote(aligned.kind or "row_short", f"表四数据行：{aligned.note}", page=data.page))
    present = set(cells_order)
    table.missing_cells = [(g, c) for g, c in canonical if (g, c) not in present]
    return table
