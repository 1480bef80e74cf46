"""Questions about the audit's findings: "这份报告有什么问题？" lists them by severity; "为什么说表三不平？" explains
the arithmetic findings of 表三: the rule, the numbers, the cells and the clause. Findings are read, never judged
again: the deterministic audit is the only place a verdict comes from."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..check.findings import TABLE_NAMES, rules
from ..config import Settings
from ..model import AuditResult, CellState, Finding, Severity
from .answer import FINDING, Citation
from .cells import cite_cell
from .clauses import basis_chunks, quote_clause
from .vocabulary import Vocabulary, contains_any

SEVERITY_TEXT = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}
VERDICT_TEXT = {"pass": "通过", "warn": "需关注", "fail": "不通过"}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_LISTED = 8  # findings spelled out in one answer; the rest are counted
# the rows of one column that a 表三 identity adds up: 一 + 二 = （七） + 四
_T3_IDENTITY_ROWS = ("new_received", "carried_over", "results_total", "carried_forward")


@dataclass
class FindingScope:
    table: str | None = None
    row: str | None = None
    column: str | None = None
    section: str | None = None
    arithmetic: bool = False
    severity: Severity | None = None

    def describe(self) -> str:
        where = TABLE_NAMES.get(self.table or "", "") or (f"第{self.section}部分" if self.section else "")
        return where + ("的勾稽关系" if self.arithmetic else "")


@dataclass
class FindingFacts:
    text: str
    citations: list[Citation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)  # sums computed from cells


def scope_of(question: str, request, sections: tuple[str, ...], vocab: Vocabulary) -> FindingScope:
    scope = FindingScope()
    if request is not None:
        scope.table = request.table
        if len(request.columns) == 1 and len(request.columns[0].keys) == 1:
            scope.column = request.columns[0].keys[0]
        if len(request.rows) == 1 and len(request.rows[0].keys) == 1:
            scope.row = request.rows[0].keys[0]
    if sections and scope.table is None:
        scope.section = sections[0]
    scope.arithmetic = contains_any(question, vocab.cues("findings", "arithmetic_cues")) is not None
    severities = vocab.intents.get("findings", {}).get("severities") or {}
    for severity, words in severities.items():
        if contains_any(question, tuple(words)) and not contains_any(question, ("问题",)):
            scope.severity = Severity(severity)
    return scope


def finding_citation(finding: Finding) -> Citation:
    return Citation(kind=FINDING, label=f"{SEVERITY_TEXT[finding.severity]}·{finding.rule}", rule=finding.rule,
                    severity=finding.severity.value, message=finding.message)


def select(findings: list[Finding], scope: FindingScope, vocab: Vocabulary) -> list[Finding]:
    arithmetic = set(vocab.intents.get("findings", {}).get("arithmetic_rules") or [])
    chosen = []
    for finding in findings:
        if scope.table and finding.table != scope.table:
            continue
        if scope.section and finding.section != scope.section:
            continue
        if scope.arithmetic and finding.rule not in arithmetic:
            continue
        if scope.severity and finding.severity is not scope.severity:
            continue
        if scope.column and finding.column not in (None, scope.column):
            continue
        chosen.append(finding)
    return sorted(chosen, key=lambda f: _ORDER[f.severity])


def answer_findings(result: AuditResult, question: str, scope: FindingScope, vocab: Vocabulary,
                    settings: Settings) -> FindingFacts:
    chosen = select(result.findings, scope, vocab)
    if not chosen and scope.column:  # "表三自然人列为什么不平" when the finding names the whole table
        scope.column = None
        chosen = select(result.findings, scope, vocab)
    if not chosen:
        return _nothing_found(result, scope, settings)
    counts = {s: sum(1 for f in chosen if f.severity is s) for s in Severity}
    summary = "、".join(f"{SEVERITY_TEXT[s]}{n}项" for s, n in counts.items() if n)
    where = scope.describe()
    verdict = "" if where or scope.severity else f"，审核结论为“{VERDICT_TEXT[result.verdict]}”"
    lines = [f"审核发现{where + '方面' if where else ''}{len(chosen)}项问题（{summary}）{verdict}："]
    facts = FindingFacts("", findings=chosen)
    meta = rules(settings)
    for i, finding in enumerate(chosen[:_LISTED], 1):
        line = f"{i}. [{SEVERITY_TEXT[finding.severity]}] {finding.message}"
        title = (meta.get(finding.rule) or {}).get("title")
        if scope.arithmetic and title:
            line += f"（规则：{title}）"
        if finding.basis:
            line += f"（依据：{finding.basis}）"
        lines.append(line)
        facts.citations.append(finding_citation(finding))
        facts.citations += _cells_of(result, finding, settings)
        for chunk in basis_chunks(finding.basis, settings)[:1]:
            quoted = quote_clause(chunk, None, settings) if not scope.arithmetic or chunk.source != "notice" \
                else _identity_clause(chunk, settings)
            if quoted is not None:
                facts.citations.append(quoted.citation())
    if len(chosen) > _LISTED:
        lines.append(f"另有{len(chosen) - _LISTED}项，见问题清单。")
    facts.text = "\n".join(lines)
    return facts


def _identity_clause(chunk, settings: Settings):
    from .passages import Topic
    return quote_clause(chunk, Topic("勾稽关系", (("勾稽关系",),)), settings)


def _cells_of(result: AuditResult, finding: Finding, settings: Settings) -> list[Citation]:
    """The cells an arithmetic finding rests on: the cell it names, or the rows of the identity in its column."""
    table = result.report.tables.get(finding.table or "")
    if table is None:
        return []
    pairs: list[tuple[str, str]] = []
    if finding.row and finding.column:
        pairs.append((finding.row, finding.column))
    elif finding.rule == "T3.identity" and finding.column:
        pairs += [(row, finding.column) for row in _T3_IDENTITY_ROWS]
    elif finding.rule == "T3.results_total" and finding.column:
        pairs.append(("results_total", finding.column))
    elif finding.table == "table4" and finding.row:
        pairs += [(finding.row, c) for c in ("upheld", "corrected", "other", "pending", "total")]
    citations = []
    for row, column in pairs:
        cell = table.cells.get(row, {}).get(column)
        if cell is not None:
            citations.append(cite_cell(table.name, row, column, cell, settings))
    return citations


def _nothing_found(result: AuditResult, scope: FindingScope, settings: Settings) -> FindingFacts:
    where = scope.describe()
    others = len(result.findings)
    text = f"审核未发现{where}问题" if where else "审核未发现问题"
    facts = FindingFacts("")
    table = result.report.tables.get(scope.table or "table3")
    if table is not None and (scope.table in (None, "table3")):
        cells = [(row, table.cells.get(row, {}).get("total")) for row in _T3_IDENTITY_ROWS]
        if all(cell is not None and cell.state is CellState.NUMBER for _, cell in cells):
            a, b, c, d = (cell.value for _, cell in cells)
            text += f"：表三总计列一+二={a}+{b}={a + b}，（七）总计+四={c}+{d}={c + d}"
            facts.numbers += [a + b, c + d]
            facts.citations += [cite_cell("table3", row, "total", cell, settings) for row, cell in cells]
    elif table is not None and scope.table == "table4":
        parts = []
        for group in ("review", "litigation_direct", "litigation_after_review"):
            cells = [(c, table.cells.get(group, {}).get(c)) for c in ("upheld", "corrected", "other", "pending", "total")]
            if all(cell is not None and cell.state is CellState.NUMBER for _, cell in cells):
                values = [cell.value for _, cell in cells]
                parts.append(f"{'+'.join(map(str, values[:4]))}={values[4]}")
                facts.citations += [cite_cell("table4", group, c, cell, settings) for c, cell in cells]
        if parts:
            text += "：表四各组结果之和均等于总计（" + "；".join(parts) + "）"
    if where and others:
        text += f"。报告共有{others}项其他问题，可问“这份报告有什么问题”"
    facts.text = text + "。"
    return facts
