"""Required statements that keywords can decide: 信息处理费 in 六, the statistics period, the legal basis,
one reporting year throughout, and the 万元 unit of 表二's fee (requirements G-04…G-06, S6-02, T2-06, T3-09)."""

from __future__ import annotations

import re

from ..config import Settings
from ..model import CellState, Finding, Report, Severity
from ..textnorm import squash, tidy
from .findings import finding, number

FEE_TERM = "信息处理费"
FEE_UNIT_SUSPECT = 10000  # 万元: a fee of 1亿元 or more is far more likely yuan written in the 万元 column
_PERIOD = re.compile(r"统计(?:数据|期限|时限|时间|区间|周期)[^。]{0,24}?(\d{4})年1月1日(?:起)?(?:至|到|-|—|~)(?:(\d{4})年)?12月31日")
_NARRATIVE_YEAR = re.compile(r"((?:19|20)\d{2})年度?[,，]?(?:我|本|全年|共|市|区|县|镇|局|委|办)")


def check_content(report: Report, settings: Settings) -> list[Finding]:
    return (_fee_statement(report, settings) + _period_and_years(report, settings) + _basis(report, settings)
            + _fee_unit(report, settings))


def _fee_statement(report: Report, settings: Settings) -> list[Finding]:
    section = report.sections["六"]
    text = squash(section.text)
    if FEE_TERM in text:
        return []
    if "处理费" in text:
        term = re.search(r"[\u4e00-\u9fff]{0,4}处理费", text).group(0)
        return [finding("S6.fee_term", f"第六部分使用“{term}”的表述，规范用语为“信息处理费”（《政府信息公开信息处理费管理办法》）。",
                        settings=settings, section="六", page=section.page, evidence=term)]
    table3 = report.tables.get("table3")
    fee_unpaid = table3.cells.get("other_fee_unpaid", {}).get("total") if table3 is not None else None
    unpaid = fee_unpaid.value if fee_unpaid is not None and fee_unpaid.state is CellState.NUMBER else 0
    elsewhere = FEE_TERM in squash(report.full_text)
    if unpaid:
        message = (f"表三「（六）2.申请人逾期未按收费通知要求缴纳费用」为{number(unpaid)}件，说明本年发出过收费通知，"
                   f"但第六部分未说明信息处理费的收取情况。")
    elif elsewhere:
        message = "信息处理费的收取情况未在第六部分「其他需要报告的事项」中说明。"
    else:
        message = "第六部分未说明信息处理费的收取情况（收取金额，或明确说明未收取）。"
    return [finding("S6.fee_statement", message, settings=settings, section="六", page=section.page,
                    severity=Severity.INFO if elsewhere and not unpaid else None,
                    table="table3" if unpaid else None, row="other_fee_unpaid" if unpaid else None,
                    column="total" if unpaid else None, actual=unpaid or None)]


def _period_and_years(report: Report, settings: Settings) -> list[Finding]:
    findings = []
    head = tidy(report.preamble + "\n" + report.sections["一"].text)
    period = _PERIOD.search(squash(head))
    if period is None:
        findings.append(finding("STRUCT.period_missing", "报告未载明统计期限（如“本报告统计数据从X年1月1日至12月31日”）。",
                                settings=settings, section="一"))
    elif report.year is not None:
        years = {int(period.group(1))} | ({int(period.group(2))} if period.group(2) else set())
        if years != {report.year}:
            findings.append(finding(
                "STRUCT.year_mismatch",
                f"报告标题年度为{report.year}年，但统计期限写作{period.group(1)}年，两者不一致。",
                settings=settings, section="一", evidence=period.group(0), expected=report.year,
                actual=int(period.group(1))))
    if report.year is None:
        return findings
    for key in ("一", "五", "六"):
        section = report.sections[key]
        for match in _NARRATIVE_YEAR.finditer(squash(section.text)):
            year = int(match.group(1))
            if year < report.year or year > report.year + 1:
                context = squash(section.text)[max(0, match.start() - 10):match.end() + 20]
                findings.append(finding(
                    "STRUCT.year_mismatch",
                    f"{report.year}年度报告第{key}部分出现“{match.group(0)}”，可能沿用了其他年度的文字，请核实。",
                    severity=Severity.WARNING, settings=settings, section=key, page=section.page, evidence=context,
                    expected=report.year, actual=year))
                break
    return findings


_BASIS = re.compile(r"政府信息公开条例|(?:国务院|国)令第711号")


def _basis(report: Report, settings: Settings) -> list[Finding]:
    head = squash(report.preamble + report.sections["一"].text[:400])  # NFKC and no spaces: "国令第 ７１１ 号" reads too
    if _BASIS.search(head):
        return []
    return [finding("STRUCT.basis_missing", "报告开头未说明编制依据（《中华人民共和国政府信息公开条例》及年报格式通知）。",
                    settings=settings, section="一")]


def _fee_unit(report: Report, settings: Settings) -> list[Finding]:
    table2 = report.tables.get("table2")
    cell = table2.cells.get("fees", {}).get("value") if table2 is not None else None
    if cell is None or cell.state is not CellState.NUMBER or cell.value < FEE_UNIT_SUSPECT:
        return []
    return [finding("T2.fee_unit",
                    f"表二「行政事业性收费」本年收费金额为{number(cell.value)}万元（即{cell.value / 10000:g}亿元），"
                    f"金额异常偏大，可能误按“元”填写，请核实单位。",
                    settings=settings, table="table2", row="fees", page=cell.page or table2.page, actual=cell.value)]
