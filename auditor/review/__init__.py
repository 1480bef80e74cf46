"""Narrative review: sections 一、五、六 against the 条例 and the 年报格式 notice (requirements marked L or D+L).

review_report(report, findings, settings, chat_model=None, index=None) → ReviewOutcome(findings, info)

- Rules mode (no LLM configured): cue words over the report's own passages decide each requirement of
  data/requirements/*.yaml (plus rule packs): covered / missing / unclear, citing the passage and the clause.
  No model and no index are loaded.
- LLM mode (OPENAI_API_KEY set, or a chat model passed in): one structured call per section with the clauses
  retrieved from the corpus index; answers are grounded (quote in the report, clause retrieved) before they count.

The returned findings are the review's own (source "rules" or "llm"); the deterministic `findings` passed in are
read only, to know which rules already fired. The model and the corpus index come from auditor.llm and
auditor.retrieval, loaded lazily, so importing auditor stays light.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.findings import rules as registered_rules
from ..config import Settings
from ..model import Finding, Report, ReviewInfo
from .agency import body_type
from .checklist import NARRATIVE_SECTIONS, SECTION_KEYS, Checklist, Requirement, load_checklist
from .findings import to_finding
from .rules import Judgement, applicable, judge


@dataclass
class ReviewOutcome:
    findings: list[Finding]
    info: ReviewInfo


def review_report(report: Report, findings: list[Finding], settings: Settings, chat_model=None,
                  index=None) -> ReviewOutcome:
    """The narrative findings of one report and how the review ran (mode, model, requirements checked, note)."""
    checklist = load_checklist(settings)
    body = body_type(report.agency)
    owners = _owners(checklist, findings, settings)
    groups, judgements = _rules_judgements(report, checklist, body)
    notes = []
    if body is None and any(r.applies_to == "government" for r in checklist.requirements):
        notes.append("未能识别报告单位名称，未检查仅适用于人民政府的要求")
    earlier = sorted({r.from_year for r in checklist.requirements
                      if r.from_year and report.year and report.year < r.from_year})
    if earlier:
        notes.append(f"报告年度{report.year}年早于相关格式要求的施行年度（{earlier[0]}年），未按其检查总体情况等叙述内容")
    checked = len({rid for rid, _ in judgements})

    if chat_model is None:
        from ..llm.models import make_chat_model
        chat_model = make_chat_model(settings)
    if chat_model is None or not groups:
        if chat_model is None:
            notes.insert(0, "未配置大模型接口（OPENAI_API_KEY），按规则模式审查")
        return ReviewOutcome(_rules_findings(report, judgements, owners, settings),
                             ReviewInfo(mode="rules", model=None, requirements_checked=checked,
                                        note="；".join(notes) + "。" if notes else None))

    from ..retrieval.corpus_index import CorpusIndex
    from ..llm.models import model_name
    from .llm_review import review_with_llm

    index = index or CorpusIndex.shared(settings)
    model = model_name(settings, chat_model)
    run = review_with_llm(report, groups, judgements, chat_model, model, settings, index, body, owners)
    if index.note:
        notes.append(index.note)
    if run.failure and not run.llm_sections:
        notes.insert(0, f"大模型接口调用失败（{run.failure}），已改用规则模式完成审查")
        return ReviewOutcome(run.findings, ReviewInfo(mode="rules", model=None, requirements_checked=checked,
                                                      note="；".join(notes) + "。"))
    if not run.llm_sections:
        notes.insert(0, "大模型未返回可解析的审查结果，已改用规则模式完成审查")
        return ReviewOutcome(run.findings, ReviewInfo(mode="rules", model=None, requirements_checked=checked,
                                                      note="；".join(notes) + "。"))
    notes.insert(0, f"大模型审查第{'、'.join(run.llm_sections)}部分（调用{run.calls}次，使用缓存{run.cached}次）")
    if run.rules_sections:
        why = "接口调用失败" if run.failure else "模型未返回可解析的结果"
        notes.append(f"第{'、'.join(run.rules_sections)}部分因{why}改用规则判断")
    if run.rejected_quotes or run.rejected_clauses:
        notes.append(f"模型给出的{run.rejected_quotes + run.rejected_clauses}项判断因引文未能在报告原文中核实"
                     f"或所引条款不在检索结果中而未采用，相应要求改用规则判断")
    return ReviewOutcome(run.findings, ReviewInfo(mode="llm", model=model, requirements_checked=checked,
                                                  note="；".join(notes) + "。"))


def _owners(checklist: Checklist, findings: list[Finding], settings: Settings) -> dict[str, bool | None]:
    """Requirement id → whether its deterministic rule (covered_by) fired; only rules that exist are owners."""
    registered = registered_rules(settings)
    fired = {f.rule for f in findings}
    return {r.id: r.covered_by in fired for r in checklist.requirements
            if r.covered_by and r.covered_by in registered}


def _rules_judgements(report: Report, checklist: Checklist, body: str | None
                      ) -> tuple[dict[str, list[Requirement]], dict[tuple[str, str], Judgement]]:
    groups: dict[str, list[Requirement]] = {}
    judgements: dict[tuple[str, str], Judgement] = {}
    for requirement in checklist.requirements:
        if not applicable(requirement, body, report.year):
            continue
        for section in requirement.sections():
            where = report.sections.get(section)
            if where is None or not where.present:
                continue  # a missing section is STRUCT.section_missing's finding, not a list of missing contents
            groups.setdefault(section, []).append(requirement)
            judgements[(requirement.id, section)] = judge(report, requirement, section, checklist)
    order = {key: i for i, key in enumerate(SECTION_KEYS)}
    return dict(sorted(groups.items(), key=lambda item: order[item[0]])), judgements


def _rules_findings(report: Report, judgements: dict, owners: dict[str, bool | None],
                    settings: Settings) -> list[Finding]:
    out = []
    for (requirement_id, section), judgement in judgements.items():
        if owners.get(requirement_id) is not None:
            continue  # a deterministic rule already reports it (e.g. S6.fee_statement)
        result = to_finding(judgement, settings, report.sections[section].page)
        if result is not None:
            out.append(result)
    return out


__all__ = ["NARRATIVE_SECTIONS", "ReviewOutcome", "review_report"]
