"""Checks a model's answer against what the lookups returned: every number outside a quote must be a value the
tools gave (a cell, a sum or share computed from cells, a finding's number, a page) and every quote must be a
verbatim span of the report, the 条例/notice or a tool's result. What fails is listed, in Chinese, so the model
can be asked once more; an answer that still fails is not shown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..textnorm import squash
from .answer import Citation

_LABEL = re.compile(r"「([^」]{1,60})」")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
_NOT_ZERO = re.compile(r"(?:不等于|不是|不能算作|不能视为|不按|并非|不应填|而非)0(?![\d.])")  # "空白不等于0" states no value
_ENUMERATOR = re.compile(r"(?m)^\s*\d{1,2}[.、．)）]\s*")
_CHINESE_COUNT = re.compile(r"[零一二两三四五六七八九十百千万]+(?:件|项|次|个|条|起|人|家|宗)")
_ORDINAL_WORDS = re.compile(r"第[零一二三四五六七八九十百]+(?:条|项|款|部分|章)|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|"
                            r"表[二三四]|[一二三四五六七八九十]是|三安全一稳定|三类|四类|\+")


@dataclass
class Ledger:
    """What the tools returned during one answer: the facts a model may state."""

    numbers: set[float] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)  # tool results as text (labels, messages, quotes)
    calls: list[tuple[str, str, list[Citation], set[float]]] = field(default_factory=list)  # (tool, query, …)

    def add(self, tool: str, query: str, text: str, citations: list[Citation], numbers: list[float]) -> None:
        found: set[float] = set()
        for citation in citations:
            if citation.kind == "cell" and isinstance(citation.value, (int, float)):
                found.add(float(citation.value))
            if citation.page:
                found.add(float(citation.page))
            if citation.kind == "finding":
                found |= set(_number_values(citation.message or ""))
        found |= {float(n) for n in numbers}
        self.numbers |= found
        self.texts.append(text)
        self.calls.append((tool, query, citations, found))


def _number_values(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def quoted_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inner text) of each outermost quotation: “…” (nested “” inside count as one), "…", 『…』."""
    spans: list[tuple[int, int, str]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "“":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "”" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1, text[start + 1:i]))
    for match in re.finditer(r"\"([^\"]{2,})\"|『([^』]{2,})』", text):
        if not any(s <= match.start() < e for s, e, _ in spans):
            spans.append((match.start(), match.end(), match.group(1) or match.group(2)))
    return sorted(s for s in spans if len(s[2]) >= 2)


def _without(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for start, end, _ in spans:
        out.append(text[last:start])
        out.append(" ")
        last = end
    out.append(text[last:])
    return "".join(out)


def _positions(text: str, word: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(word, i)]


def problems_in(answer: str, ledger: Ledger, question: str, sources: list[str], extra_numbers: set[float],
                findings: int = 0, clean_claims: tuple[str, ...] = ()) -> list[str]:
    """What in the answer no tool supports; empty when the answer may be shown. `findings`: how many problems the
    audit found — an answer that calls the report clean (`clean_claims`) while there are some contradicts it."""
    problems: list[str] = []
    tool_text = squash("\n".join(ledger.texts))
    spans = quoted_spans(answer)
    for _, _, quote in spans:
        needle = squash(quote).strip("…")
        if not needle or not (needle in tool_text or any(needle in squash(s) for s in sources)):
            problems.append(f"引文“{quote[:40]}”在报告原文、条款原文和查询结果中都找不到，请只逐字引用查询结果中的原文")
    rest = _without(answer, spans)  # the model's own words
    claim = next((c for c in clean_claims if c in squash(rest)), None) if findings else None
    scoped = any(word in rest for word in ("表二", "表三", "表四", "部分", "这一项", "该项"))
    if claim and not scoped:  # "表三未发现问题" may be right; "报告没有问题" is not when the audit found some
        problems.append(f"审核发现{findings}项问题，回答不能说“{claim}”；请调用 audit_findings 查询后如实回答")
    for match in list(_LABEL.finditer(rest)):
        if squash(match.group(1)) in tool_text:
            rest = rest.replace(match.group(0), " ")
    rest = _NOT_ZERO.sub(" ", _ENUMERATOR.sub(" ", rest))
    allowed = ledger.numbers | extra_numbers | set(_number_values(question))
    for value in _number_values(rest):
        if not any(abs(value - a) < 1e-6 for a in allowed):
            problems.append(f"数字{value:g}不是查询结果给出的数值，请只使用工具返回的数字（表格数值、合计、占比、页码）")
    plain = _ORDINAL_WORDS.sub(" ", rest)
    for match in _CHINESE_COUNT.finditer(plain):
        word = match.group(0)
        contexts = [squash(answer[max(0, i - 4):i + len(word) + 2]) for i in _positions(answer, word)]
        if not any(c in tool_text for c in contexts):  # "未分三项" copied from a finding is the audit's wording
            problems.append(f"“{match.group(0)}”请用阿拉伯数字书写，并且只使用查询结果中的数值")
            break
    return list(dict.fromkeys(problems))


def cited(answer: str, ledger: Ledger) -> list[Citation]:
    """The citations of the tool calls the answer draws on: a lookup whose numbers it states (or whose blank cell
    it reports), a passage or clause it quotes, every finding it was given; all of them when it quotes nothing."""
    numbers = set(_number_values(answer))
    quotes = [squash(quote) for _, _, quote in quoted_spans(answer)]
    says_state = any(word in answer for word in ("空白", "未填", "“/”", "未能识别", "缺少", "没有"))
    chosen: list[Citation] = []
    for tool, _, citations, found in ledger.calls:
        if tool == "audit_findings":  # the findings explained, their cells and the clauses they rest on
            chosen += citations
            continue
        for citation in citations:
            if citation.kind == "cell":
                value = citation.value
                used = (isinstance(value, (int, float)) and float(value) in numbers) or (value is None and says_state)
                if used or any(n in numbers for n in found - {float(c.page) for c in citations if c.page}):
                    chosen.append(citation)
            elif citation.kind in ("passage", "clause"):
                quote = squash(citation.quote or "")
                if not quotes or any(q and (q in quote or quote in q) for q in quotes):
                    chosen.append(citation)
            else:
                chosen.append(citation)
    return chosen
