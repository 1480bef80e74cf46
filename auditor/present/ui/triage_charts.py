"""Charts of a batch: findings per rule, verdicts per region (or level, or year), and the roster × year coverage
grid. Plain data in, Altair charts out; the page decides where they go."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ...batch import BatchRecord, rule_totals
from ...batch.roster import FAILED, MISSING, SUBMITTED, UNREADABLE, Coverage
from ...check.findings import rules as rule_metadata
from ..batch_report import COVERAGE_TEXT, verdict_text

VERDICT_COLOURS = {"不通过": "#d9534f", "需关注": "#f0ad4e", "通过": "#5cb85c", "无法审核": "#9e9e9e"}
COVERAGE_COLOURS = {SUBMITTED: "#5cb85c", FAILED: "#d9534f", UNREADABLE: "#9e9e9e", MISSING: "#f7c948"}


def rules_frame(records: list[BatchRecord]) -> pd.DataFrame:
    metadata = rule_metadata()
    totals = rule_totals(records)
    reports = {rule: sum(1 for r in records if rule in r.rule_counts) for rule in totals}
    return pd.DataFrame([{"规则": rule, "说明": metadata.get(rule, {}).get("title", ""), "问题数": n, "涉及报告数": reports[rule]}
                         for rule, n in totals.most_common()], columns=["规则", "说明", "问题数", "涉及报告数"])


def rules_chart(records: list[BatchRecord]) -> alt.Chart:
    frame = rules_frame(records)
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("问题数:Q", title="问题数", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("规则:N", sort="-x", title=None),
        tooltip=["规则", "说明", "问题数", "涉及报告数"]).properties(height=max(120, 22 * len(frame)))


def verdict_groups(records: list[BatchRecord]) -> tuple[str, pd.DataFrame]:
    """(what the bars are: 地区, 层级 or 年度, the counts per group and verdict)."""
    if any(r.region for r in records):
        by, key = "地区", lambda r: r.region or "名单外"
    elif any(r.level for r in records):
        by, key = "层级", lambda r: r.level or "名单外"
    else:
        by, key = "年度", lambda r: str(r.year) if r.year else "未识别"
    rows = [{by: key(r), "结论": verdict_text(r)} for r in records]
    frame = pd.DataFrame(rows, columns=[by, "结论"])
    return by, frame.groupby([by, "结论"]).size().reset_index(name="报告数")


def verdicts_chart(records: list[BatchRecord]) -> alt.Chart:
    by, frame = verdict_groups(records)
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X(f"{by}:N", title=by), y=alt.Y("报告数:Q", title="报告数", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("结论:N", scale=alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values()))),
        tooltip=[by, "结论", "报告数"])


def coverage_frame(coverage: Coverage) -> pd.DataFrame:
    rows = [{"单位": entry.name, "地区": entry.region or "", "层级": entry.level or "", "年度": str(year),
             "状态": COVERAGE_TEXT[cells[year][0]], "文件": cells[year][1] or ""}
            for entry, cells in coverage.rows for year in coverage.years]
    return pd.DataFrame(rows, columns=["单位", "地区", "层级", "年度", "状态", "文件"])


def coverage_chart(coverage: Coverage) -> alt.Chart:
    frame = coverage_frame(coverage)
    domain = [COVERAGE_TEXT[k] for k in COVERAGE_COLOURS]
    return alt.Chart(frame).mark_rect(stroke="white").encode(
        x=alt.X("年度:O", title="年度"), y=alt.Y("单位:N", sort=None, title=None),
        color=alt.Color("状态:N", scale=alt.Scale(domain=domain, range=list(COVERAGE_COLOURS.values()))),
        tooltip=["单位", "地区", "层级", "年度", "状态", "文件"]).properties(height=max(120, 24 * len(coverage.rows)))
