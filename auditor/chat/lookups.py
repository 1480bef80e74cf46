"""The four lookups behind every answer, in both modes: table cells, the audit's findings, the report's passages
and the clauses of the 条例/notice. Rules mode calls them after routing the question; LLM mode offers them to the
model as tools. Each returns Facts: a plain answer, the citations, the numbers it computed and the data a model
may read (as JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Settings
from ..model import AuditResult, Severity
from ..textnorm import squash
from .answer import FINDING, Citation
from .cells import CellRequest, answer_cells, parse_request
from .clauses import article, quote_clause, search_clauses
from .findings import SEVERITY_TEXT, VERDICT_TEXT, answer_findings, finding_citation, scope_of
from .passages import SECTION_NAMES, PassageIndex, topic_of
from .vocabulary import Vocabulary, article_number, contains_any, vocabulary

NOT_MENTIONED = "报告未提及"


@dataclass
class Facts:
    kind: str  # cell / finding / passage / clause
    text: str  # the answer in plain Chinese, as rules mode gives it
    citations: list[Citation] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)  # computed from cells (sums, shares) — the answer may state them
    data: dict = field(default_factory=dict)  # what a model reads (tool result)
    found: bool = True  # False: the report does not say (no citation needed)


class ReportLookups:
    """One audited report and what can be looked up in it. Built once per report; the passage vectors and the
    corpus index load on first use (or with `prepare()`)."""

    def __init__(self, result: AuditResult, settings: Settings, corpus_index=None, dense: bool = True):
        self.result = result
        self.report = result.report
        self.settings = settings
        self.vocab: Vocabulary = vocabulary(settings)
        self.passage_index = PassageIndex(result.report, settings, dense=dense)
        self._corpus_index = corpus_index
        self._dense = dense
        self.min_coverage = float(self.vocab.intents.get("text", {}).get("min_coverage", 0.5))

    def prepare(self) -> None:
        """Load now what the first question would otherwise wait for: the passage vectors and the corpus index."""
        self.passage_index.prepare()
        self.corpus_index()

    def corpus_index(self):
        if self._corpus_index is None:
            from ..retrieval.corpus_index import CorpusIndex
            self._corpus_index = (CorpusIndex.shared(self.settings) if self._dense
                                  else CorpusIndex.open(self.settings, dense=False))
        return self._corpus_index

    # ------------------------------------------------------------------ cells

    def cells(self, question: str, request: CellRequest | None = None) -> Facts:
        request = request or parse_request(question, self.vocab)
        if request is None:
            return Facts("cell", "没有识别出要查的表格、行或列，请说明是表二、表三还是表四的哪一项。", found=False,
                         data={"error": "没有识别出表格的行或列"})
        facts = answer_cells(self.report, request, self.vocab, self.settings)
        citations = list(facts.citations)
        altered = any("note" in item or str(item.get("state", "")).startswith("不存在") for item in facts.items)
        if altered or self.report.tables.get(request.table) is None:
            citations += self._structure_findings(request.table)  # the audit's word on the altered or missing table
        data = {"table": request.table, "answer": facts.text, "values": facts.items,
                "cells": [_cell_data(c) for c in facts.citations],
                "findings": [{"rule": c.rule, "message": c.message} for c in citations if c.kind == FINDING]}
        return Facts("cell", facts.text, citations, facts.numbers, data, found=bool(citations))

    def _structure_findings(self, table: str) -> list[Citation]:
        return [finding_citation(f) for f in self.result.findings
                if f.table == table and f.rule.startswith("STRUCT.") and f.rule != "STRUCT.label_typo"]

    # ------------------------------------------------------------------ findings

    def findings(self, question: str, request: CellRequest | None = None, sections: tuple[str, ...] = ()) -> Facts:
        if request is None:
            request = parse_request(question, self.vocab)
        scope = scope_of(question, request, sections, self.vocab)
        facts = answer_findings(self.result, question, scope, self.vocab, self.settings)
        numbers = [n for f in facts.findings for n in (f.expected, f.actual) if n is not None] + facts.numbers
        counts = [sum(1 for f in facts.findings if f.severity is s) for s in Severity]
        numbers += [len(facts.findings), len(self.result.findings), *counts]  # "审核发现4项问题（提示4项）"
        data = {"verdict": VERDICT_TEXT[self.result.verdict], "findings_total": len(self.result.findings),
                "answer": facts.text,
                "findings": [{"rule": f.rule, "severity": SEVERITY_TEXT[f.severity], "message": f.message,
                              "table": f.table, "row": f.row, "column": f.column, "expected": f.expected,
                              "actual": f.actual, "basis": f.basis} for f in facts.findings],
                "cells": [_cell_data(c) for c in facts.citations if c.kind == "cell"]}
        return Facts("finding", facts.text, facts.citations, numbers, data)

    def all_findings_citations(self) -> list[Citation]:
        return [finding_citation(f) for f in self.result.findings]

    # ------------------------------------------------------------------ the report's text

    def passages(self, question: str, sections: tuple[str, ...] = (), listing: bool = False,
                 topic_question: str | None = None) -> Facts:
        from .router import strip_sections
        topic = topic_of(strip_sections(topic_question or question, self.vocab), self.vocab)
        missing = [s for s in sections if not (self.report.sections.get(s) and self.report.sections[s].present)]
        if sections and len(missing) == len(sections):
            return self._section_missing(missing[0])
        hits = self.passage_index.search(topic_question or question, topic, sections, k=2,
                                         min_coverage=self.min_coverage, listing=listing)
        if not hits:
            what = f"“{topic.text}”" if topic.text else "相关内容"
            text = f"{NOT_MENTIONED}{what}。"
            return Facts("passage", text, found=False, data={"found": False, "answer": text, "passages": []})
        yes = "有。" if contains_any(question, self.vocab.cues("text", "yes_no")) else ""
        quotes = "；".join(f"{SECTION_NAMES[h.passage.section]}写道：“{h.quote}”" for h in hits)
        text = f"{yes}报告{quotes}"
        citations = [h.citation() for h in hits]
        data = {"found": True, "answer": text,
                "passages": [{"section": h.passage.section, "page": h.page, "quote": h.quote} for h in hits]}
        return Facts("passage", text, citations, data=data)

    def _section_missing(self, section: str) -> Facts:
        finding = next((f for f in self.result.findings
                        if f.rule == "STRUCT.section_missing" and f.section == section), None)
        text = f"{NOT_MENTIONED}：报告没有{SECTION_NAMES[section]}"
        citations = []
        if finding is not None:
            text += f"（审核已列为{SEVERITY_TEXT[finding.severity]}：{finding.message.rstrip('。')}）"
            citations.append(finding_citation(finding))
        return Facts("passage", text + "。", citations, found=bool(citations),
                     data={"found": False, "answer": text + "。", "passages": []})

    # ------------------------------------------------------------------ the 条例 and the notice

    def clauses(self, question: str) -> Facts:
        topic = topic_of(question, self.vocab)
        number = article_number(question, self.settings)
        hits = []
        if number:
            chunk = article(number, self.settings)
            quoted = quote_clause(chunk, topic, self.settings) if chunk is not None else None
            hits = [quoted] if quoted is not None else []
            if not hits:
                text = f"《政府信息公开条例》没有第{number}条。"
                return Facts("clause", text, found=False, data={"found": False, "answer": text, "clauses": []})
        else:
            named = {source: contains_any(question, tuple(words)) for source, words in
                     (self.vocab.intents.get("clauses", {}).get("sources") or {}).items()}
            sources = tuple(source for source, word in named.items() if word)
            query = squash(question)
            for short, full in (self.vocab.intents.get("clauses", {}).get("expand") or {}).items():
                query = query.replace(squash(short), f" {full} ")
            hits = search_clauses(query, topic, self.settings, self.corpus_index(), k=2,
                                  sources=sources if len(sources) == 1 else ())
        if not hits:
            text = "在条例和年报格式通知中没有找到相关规定。"
            return Facts("clause", text, found=False, data={"found": False, "answer": text, "clauses": []})
        first, *rest = hits
        text = f"{first.chunk.clause}规定：“{first.flat_quote}”"
        if rest and not number:
            text += f"另见{rest[0].chunk.clause}。"
        data = {"found": True, "answer": text,
                "clauses": [{"source": h.citation().source, "id": h.citation().id, "title": h.chunk.title,
                             "quote": h.flat_quote} for h in hits]}
        return Facts("clause", text, [h.citation() for h in hits], data=data)


def _cell_data(citation: Citation) -> dict:
    return {"label": citation.label, "table": citation.table, "row": citation.row, "column": citation.column,
            "value": citation.value, "state": citation.state, "raw": citation.raw, "page": citation.page}
