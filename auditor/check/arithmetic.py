"""The table identities (requirements H1–H5), each declared once and checked by one generic function.

A blank counts as 0 only when the identity then holds; a blank that would make it fail, a "/" or an
unreadable cell makes the identity unverifiable ("无法校验"): no arithmetic error is ever reported
that the printed numbers do not prove. Numbers read by OCR from a scan prove an error only when every
one of them was read surely (`Settings.ocr_confident`); otherwise the failure is a warning that names
the cells OCR was unsure of.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Settings
from ..model import CellState, Finding, Report, Severity, Table
from .findings import UNVERIFIABLE, cell_name, column_label, finding, number, row_label

T3_APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org"]
T3_DETAILS = [
    "disclosed", "partially_disclosed",
    "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability", "withheld_third_party",
    "withheld_internal_affairs", "withheld_process_info", "withheld_enforcement_files",
    "withheld_administrative_query",
    "unable_not_held", "unable_needs_creation", "unable_unclear",
    "not_processed_petition", "not_processed_duplicate", "not_processed_publication", "not_processed_excessive",
    "not_processed_reconfirm",
    "other_no_correction", "other_fee_unpaid", "other_other",
]
T4_PARTS = ["upheld", "corrected", "other", "pending"]


@dataclass
class Side:
    total: int | float = 0
    blanks: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # "/", unreadable or absent


def _side(table: Table, cells: list[tuple[str, str]]) -> Side:
    side = Side()
    for row, column in cells:
        cell = table.cells.get(row, {}).get(column)
        if cell is None or cell.state in (CellState.SLASH, CellState.UNREADABLE):
            side.unknown.append((row, column))
        elif cell.state is CellState.BLANK:
            side.blanks.append((row, column))
        else:
            side.total += cell.value
    return side


@dataclass
class Outcome:
    status: str  # ok / fail / fail_with_blanks / unverifiable
    left: int | float
    right: int | float
    blanks: list[tuple[str, str]]
    unknown: list[tuple[str, str]]
    cells: list[tuple[str, str]] = field(default_factory=list)  # every (row, column) the identity involves


def evaluate(table: Table, left: list[tuple[str, str]], right: list[tuple[str, str]]) -> Outcome:
    a, b = _side(table, left), _side(table, right)
    blanks, unknown = a.blanks + b.blanks, a.unknown + b.unknown
    if unknown:
        return Outcome("unverifiable", a.total, b.total, blanks, unknown, left + right)
    if a.total == b.total:
        return Outcome("ok", a.total, b.total, blanks, unknown, left + right)
    return Outcome("fail_with_blanks" if blanks else "fail", a.total, b.total, blanks, unknown, left + right)


def _names(table: str, cells: list[tuple[str, str]], settings: Settings, limit: int = 4) -> str:
    names = [cell_name(table, r, c, settings, short=True) for r, c in cells[:limit]]
    return "、".join(names) + (f"等{len(cells)}个单元格" if len(cells) > limit else "")


def _diff(left, right) -> str:
    return number(abs(left - right)) if isinstance(left, int) and isinstance(right, int) else f"{abs(left - right):g}"


class _Collector:
    """Gathers failures per identity, and one summary per rule of what could not be verified."""

    def __init__(self, table: Table, settings: Settings):
        self.table, self.settings = table, settings
        self.findings: list[Finding] = []
        self.unverifiable: dict[str, list[tuple[str, list]]] = {}

    def record(self, rule: str, outcome: Outcome, where: str, message: str, **fields) -> None:
        if outcome.status == "ok":
            return
        if outcome.status == "unverifiable":
            self.unverifiable.setdefault(rule, []).append((where, outcome.unknown))
            return
        aside, caution = self.ocr_caveat(outcome.cells)
        if outcome.status == "fail_with_blanks":
            message += (f"{aside}（其中{_names(self.table.name, outcome.blanks, self.settings)}为空白，按0计算），"
                        f"请核实空白单元格应填的数值。{caution}")
            self.findings.append(finding(rule, f"{UNVERIFIABLE}：{message}", severity=Severity.WARNING,
                                         settings=self.settings, table=self.table.name, page=self.table.page, **fields))
            return
        severity = Severity.WARNING if caution else None  # numbers OCR was unsure of prove no error
        self.findings.append(finding(rule, f"{message}{aside}。{caution}", severity=severity, settings=self.settings,
                                     table=self.table.name, page=self.table.page, **fields))

    def ocr_caveat(self, cells: list[tuple[str, str]]) -> tuple[str, str]:
        """For an identity whose numbers were read by OCR from a scanned page: an aside when every one was
        read surely, or else a sentence naming the cells OCR was unsure of (the failure is then a warning)."""
        ocr = [(r, c) for r, c in cells if self.confidence(r, c) is not None]
        unsure = [(r, c) for r, c in ocr if self.confidence(r, c) < self.settings.ocr_confident]
        if not ocr:
            return "", ""
        if not unsure:
            return (f"（以上数值由 OCR 从扫描页识别，涉及的{len(ocr)}个单元格识别置信度均不低于"
                    f"{self.settings.ocr_confident:.2f}）", "")
        shown = "、".join(f"{cell_name(self.table.name, r, c, self.settings, short=True)}"
                         f"（识别为{number(self.table.cells[r][c].value)}，置信度{self.confidence(r, c):.2f}）"
                         for r, c in unsure[:4])
        more = f"等{len(unsure)}个单元格" if len(unsure) > 4 else ""
        return "", (f"该勾稽关系涉及的数值由 OCR 从扫描页识别，其中{shown}{more}识别置信度低于"
                    f"{self.settings.ocr_confident:.2f}，差异可能来自识别误差，请对照原件核实。")

    def confidence(self, row: str, column: str) -> float | None:
        cell = self.table.cells.get(row, {}).get(column)
        return cell.confidence if cell is not None else None

    def summaries(self, titles: dict[str, str]) -> list[Finding]:
        out = []
        for rule, items in self.unverifiable.items():
            wheres = [w for w, _ in items]
            scope = "各列" if len(wheres) >= 7 else "、".join(wheres[:7]) + ("等" if len(wheres) > 7 else "")
            blocked = list(dict.fromkeys(cell for _, cells in items for cell in cells))
            out.append(finding(
                rule, f"{UNVERIFIABLE}：{titles[rule]}（{scope}）涉及的{self.describe(blocked)}"
                      f"为“/”、无法识别或表格中缺失，该勾稽关系无法核对，请人工查看原表。",
                severity=Severity.INFO, settings=self.settings, table=self.table.name, page=self.table.page,
                evidence=_names(self.table.name, blocked, self.settings, limit=12)))
        return out

    def describe(self, cells: list[tuple[str, str]]) -> str:
        """Whole rows by their label, the rest cell by cell: 「1.属于国家秘密」行等21个单元格."""
        by_row: dict[str, list[str]] = {}
        for row, column in cells:
            by_row.setdefault(row, []).append(column)
        whole = [r for r, cols in by_row.items() if len(cols) >= len(self.table.cells.get(r, {})) > 1]
        if not whole:
            return _names(self.table.name, cells, self.settings)
        names = "、".join(f"「{row_label(self.table.name, r, self.settings)}」" for r in whole[:4])
        rest = [c for c in cells if c[0] not in whole]
        more = ("及" + _names(self.table.name, rest, self.settings, limit=2)) if rest else ""
        return f"{names}{'等' if len(whole) > 4 else ''}行{more}（共{len(cells)}个单元格）"


def _table3_identities(table: Table, settings: Settings):
    """(rule, outcome, where, message, finding fields) of every identity of 表三 (H1–H4)."""
    columns = [c for c in T3_APPLICANTS + ["total"] if c not in table.missing_columns]
    details = [r for r in T3_DETAILS if r in table.cells] or T3_DETAILS
    for column in columns:
        label = column_label("table3", column, settings)
        outcome = evaluate(table, [("new_received", column), ("carried_over", column)],
                           [("results_total", column), ("carried_forward", column)])
        yield ("T3.identity", outcome, f"「{label}」列",
               f"表三「{label}」列勾稽关系不成立：一、本年新收与二、上年结转之和为{number(outcome.left)}，"
               f"而（七）总计与四、结转下年度继续办理之和为{number(outcome.right)}，相差{_diff(outcome.left, outcome.right)}",
               dict(column=column, expected=outcome.left, actual=outcome.right,
                    evidence=_evidence(table, ["new_received", "carried_over", "results_total", "carried_forward"],
                                       column)))
        outcome = evaluate(table, [(r, column) for r in details], [("results_total", column)])
        yield ("T3.results_total", outcome, f"「{label}」列",
               f"{cell_name('table3', 'results_total', column, settings)}为{number(outcome.right)}，"
               f"而（一）至（六）各项办理结果之和为{number(outcome.left)}，相差{_diff(outcome.left, outcome.right)}",
               dict(row="results_total", column=column, expected=outcome.left, actual=outcome.right))
    if "total" in columns:
        for row in table.cells:
            outcome = evaluate(table, [(row, c) for c in T3_APPLICANTS], [(row, "total")])
            yield ("T3.row_total", outcome, f"「{row_label('table3', row, settings)}」行",
                   f"{cell_name('table3', row, 'total', settings)}为{number(outcome.right)}，"
                   f"而六类申请人之和为{number(outcome.left)}，相差{_diff(outcome.left, outcome.right)}",
                   dict(row=row, column="total", expected=outcome.left, actual=outcome.right))


def _table4_identities(table: Table, settings: Settings):
    """(rule, outcome, where, message, finding fields) of every identity of 表四 (H5)."""
    for group in table.cells:
        if "total" not in table.cells[group]:
            continue  # the missing cell itself is a structure finding
        outcome = evaluate(table, [(group, c) for c in T4_PARTS], [(group, "total")])
        yield ("T4.sum", outcome, f"「{row_label('table4', group, settings)}」",
               f"表四「{row_label('table4', group, settings)}」的总计为{number(outcome.right)}，"
               f"而结果维持、结果纠正、其他结果、尚未审结之和为{number(outcome.left)}，相差{_diff(outcome.left, outcome.right)}",
               dict(row=group, column="total", expected=outcome.left, actual=outcome.right))


_IDENTITIES = {"table3": _table3_identities, "table4": _table4_identities}
_TITLES = {"T3.identity": "表三“一+二=（七）总计+四”", "T3.results_total": "表三“（七）总计=各项之和”",
           "T3.row_total": "表三“总计=六类申请人之和”", "T4.sum": "表四“总计=各项结果之和”"}


def _check_table(table: Table, settings: Settings) -> list[Finding]:
    collect = _Collector(table, settings)
    for rule, outcome, where, message, fields in _IDENTITIES[table.name](table, settings):
        collect.record(rule, outcome, where, message, **fields)
    return collect.findings + collect.summaries(_TITLES)


def identity_outcomes(report: Report, settings: Settings | None = None) -> list[tuple[str, str, str]]:
    """(rule, where, status) of every table identity of the report; status ok / fail / fail_with_blanks /
    unverifiable. For reports and benchmarks: how much of the arithmetic could be verified."""
    settings = settings or Settings()
    return [(rule, where, outcome.status) for name, identities in _IDENTITIES.items()
            if report.tables.get(name) is not None
            for rule, outcome, where, _, _ in identities(report.tables[name], settings)]


def _evidence(table: Table, rows: list[str], column: str) -> str:
    parts = []
    for row in rows:
        cell = table.cells.get(row, {}).get(column)
        parts.append(f"{row_label('table3', row)}={number(cell.value) if cell and cell.state is CellState.NUMBER else (cell.state.value if cell else '缺失')}")
    return "；".join(parts)


def check_arithmetic(report: Report, settings: Settings) -> list[Finding]:
    return [f for name in _IDENTITIES if report.tables.get(name) is not None
            for f in _check_table(report.tables[name], settings)]
