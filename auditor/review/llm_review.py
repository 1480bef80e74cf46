"""LLM mode: one call per narrative section, its requirements batched, each with the clauses retrieved for it.

The answer is structured (pydantic, via tool calling) and grounded (review/grounding.py) before it becomes a
finding. Responses are cached by (model, prompt hash). When the endpoint fails, the remaining sections are
judged in rules mode and ReviewInfo says so.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..config import Settings
from ..extract.labels import labels
from ..model import Finding, Report
from .agency import GOVERNMENT
from ..llm.cache import ResponseCache, response_key
from .checklist import Requirement
from ..retrieval.corpus import Chunk
from .findings import to_finding
from .grounding import STATUSES, ground
from ..llm.models import endpoint_errors, structured
from ..llm.prompts import load_prompt
from .rules import Judgement

_log = logging.getLogger(__name__)
_CLAUSES_PER_REQUIREMENT = 3  # retrieved chunks added to each requirement's own clauses
_CLAUSE_CHARS = 600  # a long article is cut in the prompt; its id still identifies it


class RequirementJudgement(BaseModel):
    """对一项要求的判断。"""

    requirement_id: str = Field(description="要求编号，与提示中的编号完全一致，如 S1-02")
    status: Literal["符合", "缺失", "空泛", "无法判断"] = Field(description="判断结果")
    quote: str = Field(default="", description="从报告原文逐字摘录的连续文字；缺失或无法判断时为空字符串")
    clause_id: str = Field(default="", description="所依据条款的编号，必须是“依据条款”中列出的编号之一")
    reason: str = Field(default="", description="一句话中文理由，不超过60字")


class SectionReview(BaseModel):
    """对年度报告一个部分逐项审查的结果。"""

    judgements: list[RequirementJudgement] = Field(description="每项要求一条判断")


assert set(STATUSES) == set(RequirementJudgement.model_fields["status"].annotation.__args__)


@dataclass
class SectionRequest:
    section: str
    requirements: list[Requirement]
    provided: dict[str, tuple[str, ...]]  # requirement id → clause ids shown with it
    system: str
    user: str


@dataclass
class LlmRun:
    findings: list[Finding] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    llm_sections: list[str] = field(default_factory=list)
    rules_sections: list[str] = field(default_factory=list)
    calls: int = 0
    cached: int = 0
    rejected_quotes: int = 0
    rejected_clauses: int = 0
    failure: str | None = None
    bad_answers: list[str] = field(default_factory=list)


def build_request(report: Report, section: str, requirements: list[Requirement], index, settings: Settings,
                  body: str | None) -> SectionRequest:
    chunks: dict[str, Chunk] = {}
    provided: dict[str, tuple[str, ...]] = {}
    for requirement in requirements:
        ids = [c for c in requirement.clauses if index.chunk(c) is not None]
        ids += [h.chunk.id for h in index.search(requirement.query, _CLAUSES_PER_REQUIREMENT)]
        ids = list(dict.fromkeys(ids))
        provided[requirement.id] = tuple(ids)
        chunks.update({cid: index.chunk(cid) for cid in ids})
    text = report.sections[section].text
    extra = {k: report.sections[k].text for r in requirements for k in r.search_in
             if k != section and report.sections[k].present}
    body_text = text + "".join(f"\n（以下为第{k}部分原文）\n{t}" for k, t in extra.items())
    delimiter = "报告原文-" + hashlib.sha256(body_text.encode()).hexdigest()[:8]
    body_text = body_text.replace("<<<", "《《《").replace(">>>", "》》》")
    user = load_prompt("review_section", settings).render(
        agency=report.agency or "（未识别）", year=report.year or "（未识别）",
        body_type={GOVERNMENT: "人民政府"}.get(body, "人民政府部门或其他行政机关" if body else "未识别"),
        section_key=section, section_title=_title(section, settings),
        clauses="\n\n".join(_clause_block(c) for c in chunks.values()),
        requirements="\n".join(_requirement_line(r, provided[r.id]) for r in requirements),
        delimiter=delimiter, report_text=body_text)
    system = load_prompt("review_system", settings).render()
    return SectionRequest(section, requirements, provided, system, user)


def _title(section: str, settings: Settings) -> str:
    title = next((s["title"] for s in labels("sections", settings)["sections"] if s["key"] == section), section)
    return title.split("、", 1)[-1]


def _clause_block(chunk: Chunk) -> str:
    text = chunk.text if len(chunk.text) <= _CLAUSE_CHARS else chunk.text[:_CLAUSE_CHARS] + "……"
    note = "（据各地年报重建，非通知原文）" if chunk.reconstructed else ""
    return f"[{chunk.id}] {chunk.title}{note}\n{text}"


def _requirement_line(requirement: Requirement, clause_ids: tuple[str, ...]) -> str:
    return f"- [{requirement.id}] {requirement.name}：{requirement.requirement}（可依据条款：{'、'.join(clause_ids)}）"


def ask(chat_model, request: SectionRequest, model: str, cache: ResponseCache, run: LlmRun) -> SectionReview | None:
    """The model's answer for one section (cached), or None when it could not be parsed."""
    key = response_key(model, request.system, request.user)
    hit = cache.get(key)
    if hit is not None:
        run.cached += 1
        try:
            return SectionReview.model_validate(hit)
        except ValidationError:
            pass
    run.calls += 1
    result = structured(chat_model, SectionReview).invoke([("system", request.system), ("human", request.user)])
    parsed = result.get("parsed") if isinstance(result, dict) else result
    if not isinstance(parsed, SectionReview):
        error = result.get("parsing_error") if isinstance(result, dict) else None
        _log.warning("unparsable LLM answer for section %s: %s", request.section, error)
        return None
    cache.put(key, parsed.model_dump())
    return parsed


def review_with_llm(report: Report, groups: dict[str, list[Requirement]], rules_judgements: dict,
                    chat_model, model: str, settings: Settings, index, body: str | None,
                    owners: dict[str, bool | None]) -> LlmRun:
    """Ask once per section; ground each answer; fall back to the rules judgement where the LLM gives nothing
    usable, and to rules mode for every section left when the endpoint fails."""
    run = LlmRun()
    cache = ResponseCache(settings.cache_dir / "llm")
    errors = endpoint_errors()
    for section, requirements in groups.items():
        answers: dict[str, RequirementJudgement] = {}
        request = None
        if run.failure is None:
            request = build_request(report, section, requirements, index, settings, body)
            try:
                review = ask(chat_model, request, model, cache, run)
            except errors as error:
                run.failure = f"{type(error).__name__}: {error}"[:200]
                review = None
            if review is not None and review.judgements:
                answers = {a.requirement_id.strip(): a for a in review.judgements}
                run.llm_sections.append(section)
            elif run.failure is None:
                run.bad_answers.append(section)
        if not answers:
            run.rules_sections.append(section)
        for requirement in requirements:
            fallback: Judgement = rules_judgements[(requirement.id, section)]
            run.checked.add(requirement.id)
            if answers:
                grounded = ground(answers.get(requirement.id), requirement, section, report,
                                  request.provided[requirement.id], fallback, owners.get(requirement.id))
                run.rejected_quotes += grounded.rejected == "quote"
                run.rejected_clauses += grounded.rejected == "clause"
                final = grounded.judgement
            else:
                final = None if owners.get(requirement.id) is not None else fallback
            result = to_finding(final, settings, report.sections[section].page) if final is not None else None
            if result is not None:
                run.findings.append(result)
    return run
