"""Numbers in the narrative against the tables (data/rules/narrative.yaml), enumerations and percentages.

A clear contradiction is an error; a number whose scope may differ (全市 vs 本机关, 备案 vs 受理) is a
warning that says why. Cells that are blank, "/" or unreadable are not compared. A sentence read by OCR from a
scanned page cannot ground a sure error (one misread digit would make it), so there the error is a warning that
says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import Settings
from ..model import CellState, Finding, Report, Section, Severity
from ..textnorm import tidy
from .findings import cell_name, finding, number

_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_MENTION = re.compile(r"(\d+(?:\.\d+)?)(余|多)?(件|条|项|个|次|起|宗|份|篇)")
_ENUMERATION = re.compile(r"共(?:计|有)?(?:发布|公开|主动公开)?[^，,。；:：\d]{0,8}?(\d+)(余|多)?(件|条|项|篇|个)[^。；]{0,6}?其中[:：，,]?")
_PERCENT = re.compile(r"(\d+)(件|条|项|个)[^。；\d%]{0,10}?(?:占|比例为|比例|占比)[^。；\d]{0,6}?(\d+(?:\.\d+)?)%")
# a part of a "其中" list: a count with its unit, or a bare count closing its item (group 4: the separator)
_PART = re.compile(r"(?<![\d.])(\d+)(余|多)?(件|条|项|个|次|起|宗|份|篇)?(?![\d.%年月日号])([，,、；;]|$)?")
_BASE = re.compile(r"共(?:计|有)?[^。；\d]{0,10}?(\d+)(件|条|项|个)")
_NARRATIVE_SECTIONS = ("一", "五", "六")
_OCR_CAVEAT = "（该句由 OCR 从扫描页识别，数字可能有识别误差，请对照原件核实。）"


@dataclass(frozen=True)
class Mention:
    value: float
    approximate: bool
    unit: str
    context: str  # words between the previous number (or the sentence start) and this one
    sentence: str
    section: str


@lru_cache(maxsize=4)
def _load(data_dir: Path) -> dict:
    with open(data_dir / "rules" / "narrative.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def narrative_rules(settings: Settings) -> dict:
    """data/rules/narrative.yaml: which narrative numbers must agree with which cells."""
    return _load(settings.data_dir)


def sentences(text: str) -> list[str]:
    return [s.strip() for line in text.splitlines() for s in _SENTENCE.findall(tidy(line)) if s.strip()]


def mentions(text: str, section: str) -> list[Mention]:
    found = []
    for sentence in sentences(text):
        start = 0
        for match in _MENTION.finditer(sentence):
            if _is_date_or_code(sentence, match):
                continue
            found.append(Mention(float(match.group(1)), bool(match.group(2)), match.group(3),
                                 sentence[start:match.start()], sentence, section))
            start = match.end()
    return found


def _is_date_or_code(sentence: str, match: re.Match) -> bool:
    before = sentence[max(0, match.start() - 1):match.start()]
    return before in ("第", "〔", "[", "号") or match.group(3) == "条" and before == "第"


def cell_sum(report: Report, expression: str) -> float | None:
    """Value of "table3.new_received.total + table3.carried_over.total"; None if a cell is not a number."""
    total = 0.0
    for term in expression.split("+"):
        table_name, row, column = term.strip().split(".")
        table = report.tables.get(table_name)
        cell = table.cells.get(row, {}).get(column) if table is not None else None
        if cell is None or cell.state is not CellState.NUMBER:
            return None
        total += cell.value
    return total


def _classify(mention: Mention, claims: list[dict]) -> dict | None:
    context = mention.context
    for claim in claims:
        if mention.unit not in claim["units"]:
            continue
        if not all(word in context for word in claim.get("needs", [])):
            continue
        if not any(word in context for word in claim["any"]):
            continue
        if any(word in context for word in claim.get("none", [])):
            continue
        return claim
    return None


def check_narrative(report: Report, settings: Settings) -> list[Finding]:
    spec = _load(settings.data_dir)
    findings: list[Finding] = []
    for key in _NARRATIVE_SECTIONS:
        section = report.sections.get(key)
        if section is None or not section.present:
            continue
        page = section.page
        found: list[Finding] = []
        for mention in mentions(section.text, key):
            claim = _classify(mention, spec["claims"])
            if claim is None or mention.approximate:
                continue
            found += _compare(report, mention, claim, spec["scope_words"], page, settings)
        found += _zero_claims(report, section.text, key, spec["zero_claims"], page, settings)
        found += _enumerations(section.text, key, page, settings)
        found += _percentages(section.text, key, page, settings)
        findings += [_on_its_page(f, section, report.document.ocr_pages) for f in found]
    return findings


def _on_its_page(found: Finding, section: Section, ocr_pages: list[int]) -> Finding:
    """The finding placed on the page of the paragraph its sentence comes from (not the section's first page); on a
    page read by OCR an error becomes a warning that names the reason."""
    quote = found.evidence or ""
    page = next((p.page for p in section.paragraphs if quote and p.page and quote in tidy(p.text)), found.page)
    if page in ocr_pages and found.severity is Severity.ERROR:
        return replace(found, page=page, severity=Severity.WARNING, message=found.message + _OCR_CAVEAT)
    return replace(found, page=page)


def _compare(report, mention: Mention, claim: dict, scope_words: list[str], page, settings) -> list[Finding]:
    values = [cell_sum(report, expression) for expression in claim["cells"]]
    known = [v for v in values if v is not None]
    if not known or mention.value in known:
        return []
    table_name, row, column = claim["cells"][0].split("+")[0].strip().split(".")
    where = _cell_words(claim["cells"][0])
    scope = [w for w in scope_words if w in mention.sentence]
    stated = f"正文称{claim['text']}为{number(_int(mention.value))}{mention.unit}"
    shown = f"而{where}为{number(_int(known[0]))}"
    if scope:
        return [finding("NARR.number_mismatch",
                        f"{stated}，{shown}；但该句含“{'、'.join(scope)}”，统计范围可能与本机关表格不同，请人工核实。",
                        severity=Severity.WARNING, settings=settings, section=mention.section, table=table_name,
                        row=row, column=None if column == "value" else column, page=page, evidence=mention.sentence,
                        expected=_int(known[0]), actual=_int(mention.value))]
    return [finding("NARR.number_mismatch", f"{stated}，{shown}，正文与表格不一致。", settings=settings,
                    section=mention.section, table=table_name, row=row, column=None if column == "value" else column,
                    page=page, evidence=mention.sentence, expected=_int(known[0]), actual=_int(mention.value))]


def _zero_claims(report, text: str, section: str, claims: list[dict], page, settings) -> list[Finding]:
    findings = []
    for claim in claims:
        for sentence in sentences(text):
            if not any(re.search(pattern, sentence) for pattern in claim["patterns"]):
                continue
            nonzero = [(expr, cell_sum(report, expr)) for expr in claim["cells"]]
            nonzero = [(expr, v) for expr, v in nonzero if v]
            if nonzero:
                expr, value = nonzero[0]
                table_name, row, column = expr.split(".")
                findings.append(finding(
                    "NARR.zero_claim",
                    f"正文称“{claim['text']}”，但{_cell_words(expr)}为{number(_int(value))}，正文与表格矛盾。",
                    settings=settings, section=section, table=table_name, row=row, column=column, page=page,
                    evidence=sentence, expected=0, actual=_int(value)))
            break
    return findings


def _enumerations(text: str, section: str, page, settings) -> list[Finding]:
    """"共N条，其中A a条、B b条…": the listed parts must not add up to more than the total.

    The list ends at the first ；or 。: what follows a semicolon is usually another statement ("…；另有…"),
    so only the parts before it are added (a shorter sum can only miss a defect, never invent one). A part
    written without its unit ("主动公开信息数130，") still counts.
    """
    findings = []
    for sentence in sentences_with_semicolons(text):
        matches = list(_ENUMERATION.finditer(sentence))
        for match, following in zip(matches, [*matches[1:], None]):
            if match.group(2):
                continue  # "200余条": an approximate total cannot be added up
            total = int(match.group(1))
            rest = sentence[match.end():following.start() if following else len(sentence)]
            rest = re.split(r"[；;]", rest, maxsplit=1)[0]
            parts = _enumerated_parts(rest, match.group(3))
            if len(parts) >= 2 and sum(parts) > total:
                findings.append(finding(
                    "NARR.enumeration_sum",
                    f"正文称共{total}{match.group(3)}，但“其中”所列各项之和为{sum(parts)}，超过总数。",
                    settings=settings, section=section, page=page, evidence=sentence[:200], expected=total,
                    actual=sum(parts)))
    return findings


def _enumerated_parts(text: str, unit: str) -> list[int]:
    """The counts of a "其中" list: numbers in the total's unit, or with no unit before a separator."""
    parts = []
    for match in _PART.finditer(text):
        if match.group(2) or (match.group(3) and match.group(3) != unit) or _is_date_or_code(text, match):
            continue
        if not match.group(3) and not match.group(4):
            continue  # a bare number must end its item (a separator follows): "130，"
        parts.append(int(match.group(1)))
    return parts


def sentences_with_semicolons(text: str) -> list[str]:
    """Sentences ending at 。！？ only: an enumeration often runs over several ；-separated items."""
    return [s.strip() for line in text.splitlines() for s in re.findall(r"[^。！!？?]+", tidy(line)) if s.strip()]


def _percentages(text: str, section: str, page, settings) -> list[Finding]:
    findings = []
    for sentence in sentences_with_semicolons(text):
        base = _BASE.search(sentence)
        if not base:
            continue
        total = int(base.group(1))
        if total == 0:
            continue
        for match in _PERCENT.finditer(sentence, base.end()):
            count, printed = int(match.group(1)), match.group(3)
            decimals = len(printed.split(".")[1]) if "." in printed else 0
            actual = count / total * 100
            if abs(actual - float(printed)) > 0.5 * 10 ** -decimals + 0.01:
                findings.append(finding(
                    "NARR.percentage",
                    f"正文称{count}{match.group(2)}占{printed}%，但按总数{total}计算应为{actual:.{max(decimals, 1)}f}%。",
                    settings=settings, section=section, page=page, evidence=sentence[:200],
                    expected=round(actual, max(decimals, 2)), actual=float(printed)))
    return findings


def _cell_words(expression: str) -> str:
    names = []
    for term in expression.split("+"):
        table_name, row, column = term.strip().split(".")
        names.append(cell_name(table_name, row, None if column == "value" else column))
    return "与".join(names) + ("之和" if len(names) > 1 else "")


def _int(value: float):
    return int(value) if float(value).is_integer() else value
