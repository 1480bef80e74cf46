"""What extraction could not read or had to decide becomes a finding a reviewer can check by eye."""

from __future__ import annotations

from itertools import groupby

from ..config import Settings
from ..model import CellState, ExtractionNote, Finding, Report, Severity, Table
from .findings import TABLE_NAMES, cell_name, finding, row_label

_RULES = {"row_short": "EXTRACT.cells_unreadable", "row_truncated": "EXTRACT.cells_unreadable",
          "ambiguous_split": "EXTRACT.cells_unreadable", "header_unreadable": "EXTRACT.cells_unreadable",
          "no_data_row": "EXTRACT.cells_unreadable", "digits_split": "EXTRACT.digits_split",
          "unmatched_row": "STRUCT.unmatched_row", "duplicate_row": "STRUCT.unmatched_row"}
_SUMMARISE_FROM = 4  # this many notes of one kind in one table become one finding


def check_extraction(report: Report, settings: Settings) -> list[Finding]:
    findings = _unread_pages(report, settings)
    for name, table in report.tables.items():
        if table is None:
            continue
        findings += _ocr_uncertain(name, table, settings)
        notes = [n for n in table.notes if n.kind in _RULES]  # others (a rejoined label) are provenance only
        for kind, group in groupby(sorted(notes, key=lambda n: n.kind), key=lambda n: n.kind):
            group = list(group)
            if len(group) >= _SUMMARISE_FROM:
                findings.append(_summary(name, kind, group, table.page, settings))
            else:
                findings += [_single(name, note, table.page, settings) for note in group]
    return findings


def _single(table: str, note: ExtractionNote, page: int | None, settings: Settings) -> Finding:
    message = note.message if note.message.startswith(TABLE_NAMES[table]) else f"{TABLE_NAMES[table]}：{note.message}"
    return finding(_RULES[note.kind], message.rstrip("。") + "。", settings=settings, table=table, row=note.row,
                   column=note.column, page=note.page or page)


def _summary(table: str, kind: str, notes: list[ExtractionNote], page: int | None, settings: Settings) -> Finding:
    rows = [f"「{row_label(table, n.row, settings)}」" for n in notes if n.row]
    detail = notes[0].message.split("：", 1)[-1].rstrip("。")
    if kind == "digits_split":  # read, each by the one split its row allows: worth a look, nothing lost
        message = (f"{TABLE_NAMES[table]}有{len(notes)}行的数字在原文中连写（{'、'.join(rows[:3])}等），"
                   f"已按各行勾稽关系唯一可行的拆分读取，例如：{detail}；请对照原表核实。")
    else:
        message = (f"{TABLE_NAMES[table]}有{len(notes)}行未能完整识别（{'、'.join(rows[:3])}等），例如：{detail}；"
                   f"涉及单元格按“无法识别”处理，请人工查看原表。")
    return finding(_RULES[kind], message, settings=settings, table=table, page=notes[0].page or page,
                   evidence="；".join(n.message for n in notes[:25]))


def _unread_pages(report: Report, settings: Settings) -> list[Finding]:
    """Scanned pages OCR found blank (a hint) or could not read (a reviewer must look at them)."""
    return [finding("EXTRACT.page_unreadable", note.message, settings=settings, page=note.page,
                    severity=Severity.INFO if note.kind == "blank_image" else None)
            for note in report.document.page_notes]


def _ocr_uncertain(name: str, table: Table, settings: Settings) -> list[Finding]:
    """One finding per table for the cells OCR read from a scan but not surely enough to use."""
    cells = [(row, column, cell) for row, columns in table.cells.items() for column, cell in columns.items()
             if cell.confidence is not None and cell.state is CellState.UNREADABLE]
    if not cells:
        return []
    shown = [f"{cell_name(name, row, column, settings, short=True)}"
             f"（{cell.note or f'OCR 识别为“{cell.raw}”，不是规范数字'}）" for row, column, cell in cells]
    more = f"等{len(cells)}个单元格" if len(cells) > 3 else ""
    return [finding("EXTRACT.ocr_uncertain",
                    f"{TABLE_NAMES[name]}是扫描图像，其中{'；'.join(shown[:3])}{more}未能可靠识别，按“无法识别”处理，"
                    f"相关勾稽关系无法校验；请对照原件核实。", settings=settings, table=name,
                    row=cells[0][0] if len(cells) == 1 else None, column=cells[0][1] if len(cells) == 1 else None,
                    page=cells[0][2].page or table.page, evidence="；".join(shown[:25]))]
