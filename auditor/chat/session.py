"""A chat about one audited report: `ReportChat` holds the lookups (built once per report) and the mode;
`Conversation` keeps the history, so follow-ups ("那法人呢？") are read against the last question.

Rules mode (no model configured, the default): the question is routed by cue words and answered by the lookups,
extractively. LLM mode: the model gets the same lookups as tools and writes the sentence; its answer is checked
(agent.py) and, when it cannot be verified or the endpoint fails, the rules answer is given instead and says so.
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import Settings
from ..model import AuditResult
from .answer import Answer, unique
from .lookups import Facts, ReportLookups
from .router import CELL, CLAUSE, FINDING, Route, route

Events = Callable[[str, str], None]  # (kind, Chinese text): "tool" while a lookup runs in LLM mode


class ReportChat:
    def __init__(self, result: AuditResult, settings: Settings, chat_model=None, corpus_index=None,
                 dense: bool = True, mode: str = "auto"):
        self.result = result
        self.settings = settings
        self.lookups = ReportLookups(result, settings, corpus_index=corpus_index, dense=dense)
        if mode == "rules":
            chat_model = None
        elif chat_model is None:
            from ..llm.models import make_chat_model
            chat_model = make_chat_model(settings)
        if mode == "llm" and chat_model is None:
            from ..errors import AuditorError
            raise AuditorError("未配置大模型接口（OPENAI_API_KEY），无法使用大模型模式；不加 --mode 即可按规则模式回答。")
        self.chat_model = chat_model
        self.mode = "llm" if chat_model is not None else "rules"
        if chat_model is not None:
            from ..llm.models import model_name
            self.model: str | None = model_name(settings, chat_model)
        else:
            self.model = None

    def prepare(self) -> None:
        """Load the passage vectors and the corpus index now, so the first question does not wait for them."""
        self.lookups.prepare()

    def conversation(self) -> "Conversation":
        return Conversation(self)

    def ask(self, question: str) -> Answer:
        """One question on its own (no history)."""
        return self.conversation().ask(question)

    @property
    def mode_text(self) -> str:
        if self.mode == "llm":
            return f"大模型模式（模型：{self.model}；数字均取自表格，引文均经核对）"
        return "规则模式（未使用大模型；答案均摘自报告表格、原文和条款）"


class Conversation:
    def __init__(self, chat: ReportChat):
        self.chat = chat
        self.history: list[Answer] = []
        self._last: Route | None = None

    def ask(self, question: str, on_event: Events | None = None) -> Answer:
        question = (question or "").strip()
        if not question:
            return Answer(question, "请输入要问的问题，例如：本年新收申请多少件？", intent="none",
                          mode=self.chat.mode, model=self.chat.model)
        lookups = self.chat.lookups
        routed = route(question, lookups.vocab, lookups.settings, self._last)
        answer, note = None, None
        if self.chat.mode == "llm":
            from .agent import answer_with_llm
            answer, note = answer_with_llm(self.chat, question, self.history, routed, on_event)
        if answer is None:  # rules mode, or the model's answer could not be used (the note says why)
            answer = rules_answer(question, routed, lookups)
            answer.note = note
        self.history.append(answer)
        self._last = routed
        return answer


def lookup(routed: Route, lookups: ReportLookups) -> Facts:
    if routed.intent == CELL:
        return lookups.cells(routed.question, routed.request)
    if routed.intent == FINDING:
        return lookups.findings(routed.question, routed.request, routed.sections)
    if routed.intent == CLAUSE:
        return lookups.clauses(routed.question)
    return lookups.passages(routed.question, routed.sections, routed.listing)


def rules_answer(question: str, routed: Route, lookups: ReportLookups) -> Answer:
    facts = lookup(routed, lookups)
    return Answer(question, facts.text, unique(facts.citations), mode="rules", model=None, intent=routed.intent)
