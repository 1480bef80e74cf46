"""Shared pieces of the chat tests and of benchmarks/chat.py: the question set (tests/fixtures/chat/questions.yaml),
how an answer is judged against it, and a scripted OpenAI-compatible server on 127.0.0.1 that plays a tool-calling
model (plus tests of those pieces).

The scripted model does what the question set says a model would do: for a new question it calls one tool (the one
for the question's intent, with the question — or the entry's `llm.query` — as the query); once it has the tool's
result it writes a sentence from the result's structured facts (values, sums, shares, passages, clauses, findings),
or says the entry's literal `llm.answer` / `llm.retry_answer` (a model that misbehaves).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from auditor.config import Settings
from tests.openai_server import LocalOpenAIServer
from tests.test_review_support import shared_cache_dir, shared_index

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "fixtures" / "chat" / "questions.yaml"
TOOL_FOR_INTENT = {"cell": "lookup_table", "finding": "audit_findings", "passage": "search_report",
                   "clause": "search_regulation"}
RETRY_MARK = "你的回答未通过核对"


# ---------------------------------------------------------------- the question set


@lru_cache(maxsize=1)
def question_set() -> dict:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))


def questions() -> list[dict]:
    return question_set()["questions"]


def report_path(key: str) -> Path:
    return ROOT / question_set()["reports"][key]


def sessions() -> list[tuple[str, list[dict]]]:
    """Questions grouped into conversations, in file order: a `session` groups its questions, others stand alone."""
    groups: dict[str, list[dict]] = {}
    for entry in questions():
        groups.setdefault(entry.get("session") or entry["id"], []).append(entry)
    return list(groups.items())


def judge(entry: dict, answer: dict, mode: str) -> list[str]:
    """Why an answer (the JSON contract's dict) is wrong for its entry; empty when it is right."""
    wrong = []
    text = answer["answer"]
    for piece in entry.get("has", []):
        if piece not in text:
            wrong.append(f"answer lacks {piece!r}")
    for piece in entry.get("lacks", []):
        if piece in text:
            wrong.append(f"answer holds {piece!r}")
    for expected in entry.get("cites", []):
        if not any(_matches(expected, got) for got in answer["citations"]):
            wrong.append(f"no citation {expected}")
    if entry.get("absent"):
        if any(c["kind"] == "passage" for c in answer["citations"]):
            wrong.append("cites a passage though the report does not say")
    elif not answer["citations"]:
        wrong.append("no citation")
    if entry.get("intent") and answer.get("intent") != entry["intent"]:
        wrong.append(f"read as {answer.get('intent')}, not {entry['intent']}")
    expected_mode = (entry.get("llm") or {}).get("mode", "llm") if mode == "llm" else "rules"
    if answer["mode"] != expected_mode:
        wrong.append(f"mode {answer['mode']}, expected {expected_mode}")
    return wrong


def _matches(expected: dict, got: dict) -> bool:
    for key, value in expected.items():
        if key == "quote_has":
            if value not in (got.get("quote") or ""):
                return False
        elif got.get(key) != value:
            return False
    return True


# ---------------------------------------------------------------- the scripted model


def compose(tool: str, result: dict) -> str:
    """A sentence written from one tool result's structured facts, as a faithful model would."""
    if "error" in result:
        return "没有查到相关的表格数据。"
    if tool == "lookup_table":
        if not result.get("values"):
            return result["answer"]
        parts = []
        for item in result.get("values", []):
            if item.get("note"):
                parts.append(item["note"])
            if "sum" in item:
                part = f"{item['cell']}合计{_n(item['sum'])}{item['unit']}"
            elif item.get("value") is not None:
                part = f"{item['cell']}为{_n(item['value'])}{item['unit']}"
            else:
                part = f"{item['cell']}为{item.get('state', '空白')}"
            if "share_percent" in item:
                part += f"，占{_n(item['share_base'])}的{_n(item['share_percent'])}%"
            parts.append(part)
        return "；".join(parts) + "。"
    if tool == "audit_findings":
        found = result.get("findings") or []
        if not found:
            return result["answer"]
        items = "；".join(f"[{f['severity']}] {f['message']}" for f in found)
        return f"审核结论为“{result['verdict']}”，审核发现{len(found)}项问题：{items}"
    if tool == "search_report":
        if not result.get("found"):
            return result["answer"]
        return "报告写道：" + "；".join(f"“{p['quote']}”" for p in result["passages"])
    if result.get("found"):
        first = result["clauses"][0]
        return f"{first['source']}{first['id']}规定：“{first['quote']}”"
    return result["answer"]


def _n(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class ScriptedModel:
    """Plays the model for the entry being asked (set `entry` before each question)."""

    entry: dict | None = None
    calls: list[dict] = field(default_factory=list)  # the tool calls it made

    def respond(self, messages: list[dict]) -> dict:
        """{"tool_calls": [...]} or {"content": "..."} for one chat.completions request."""
        asked = max(i for i, m in enumerate(messages)
                    if m["role"] == "user" and not str(m.get("content", "")).startswith(RETRY_MARK))
        after = messages[asked + 1:]
        results = [m for m in after if m["role"] == "tool"]
        entry = self.entry or {}
        script = entry.get("llm") or {}
        if not results:
            tool = script.get("tool") or TOOL_FOR_INTENT[entry.get("intent", "passage")]
            query = script.get("query") or messages[asked]["content"]
            call = {"id": f"call_{len(self.calls)}", "type": "function",
                    "function": {"name": tool, "arguments": json.dumps({"query": query}, ensure_ascii=False)}}
            self.calls.append({"name": tool, "query": query})
            return {"tool_calls": [call]}
        retried = any(m["role"] == "user" and str(m.get("content", "")).startswith(RETRY_MARK) for m in after)
        literal = script.get("retry_answer") if retried else script.get("answer")
        if literal:
            return {"content": literal}
        calls = {c["id"]: c["function"]["name"] for m in after if m["role"] == "assistant"
                 for c in m.get("tool_calls") or []}
        return {"content": "".join(compose(calls[r["tool_call_id"]], json.loads(r["content"])) for r in results)}


class ChatServer(LocalOpenAIServer):
    """POST /v1/chat/completions answered by `model.respond(messages)`; mode "error": HTTP 500 for every request.
    The request bodies are in `chat_requests`."""

    def __init__(self, model: ScriptedModel | None = None, mode: str = "script"):
        super().__init__(mode=mode)
        self.model = model or ScriptedModel()

    def reply(self, body: dict) -> dict:
        return self.model.respond(body["messages"])


def llm_settings(server: ChatServer, cache_dir: Path | None = None) -> Settings:
    return Settings(openai_api_key="test-key", openai_base_url=server.base_url, model="scripted-chat",
                    llm_timeout_s=5.0, llm_max_retries=0, cache_dir=cache_dir or shared_cache_dir())


# ---------------------------------------------------------------- running the set


@lru_cache(maxsize=32)
def audited(key: str):
    """The audit of one report of the set (rules mode), once per process."""
    from auditor.pipeline import audit_file
    return audit_file(report_path(key), Settings(cache_dir=shared_cache_dir()))


@dataclass
class Outcome:
    entry: dict
    answer: dict
    wrong: list[str]
    seconds: float


def run_set(mode: str, server: ChatServer | None = None, entries: list[dict] | None = None,
            prepare: bool = False) -> list[Outcome]:
    """Ask every question (or `entries`) in rules mode, or in LLM mode through `server`; one ReportChat per report.
    `prepare`: load the passage vectors and the corpus index before the first question (else on first use)."""
    from auditor.chat import ReportChat
    from auditor.llm.models import make_chat_model

    wanted = {e["id"] for e in entries} if entries is not None else None
    chats: dict[str, ReportChat] = {}
    outcomes = []
    for _, group in sessions():
        group = [e for e in group if wanted is None or e["id"] in wanted]
        if not group:
            continue
        key = group[0]["report"]
        if key not in chats:
            if mode == "llm":
                settings = llm_settings(server)
                chats[key] = ReportChat(audited(key), settings, chat_model=make_chat_model(settings),
                                        corpus_index=shared_index())
            else:
                chats[key] = ReportChat(audited(key), Settings(cache_dir=shared_cache_dir()),
                                        corpus_index=shared_index(), mode="rules")
            if prepare:
                chats[key].prepare()
        conversation = chats[key].conversation()
        for entry in group:
            if server is not None:
                server.model.entry = entry
            start = time.perf_counter()
            answer = conversation.ask(entry["q"]).to_dict()
            seconds = time.perf_counter() - start
            outcomes.append(Outcome(entry, answer, judge(entry, answer, mode), seconds))
    return outcomes


# ---------------------------------------------------------------- tests of the pieces


def test_the_question_set_is_large_and_well_formed():
    entries = questions()
    assert len(entries) >= 60
    assert len({e["id"] for e in entries}) == len(entries)
    kinds = {e["intent"] for e in entries}
    assert kinds == {"cell", "finding", "passage", "clause"}
    assert any(e.get("absent") for e in entries) and any(e.get("session") for e in entries)
    assert any(c.get("state") == "blank" for e in entries for c in e.get("cites", []))
    for entry in entries:
        assert report_path(entry["report"]).exists(), entry["id"]
        assert entry.get("has") or entry.get("cites"), entry["id"]


def test_judge_catches_a_wrong_value_a_missing_citation_and_the_wrong_mode():
    entry = {"q": "本年新收申请多少件？", "intent": "cell", "has": ["931"],
             "cites": [{"kind": "cell", "row": "new_received", "value": 931}]}
    right = {"answer": "本年新收931件。", "mode": "rules", "intent": "cell",
             "citations": [{"kind": "cell", "row": "new_received", "value": 931}]}
    assert judge(entry, right, "rules") == []
    wrong = dict(right, answer="本年新收999件。", citations=[{"kind": "cell", "row": "new_received", "value": 999}])
    assert len(judge(entry, wrong, "rules")) == 2
    assert judge(entry, right, "llm") == ["mode rules, expected llm"]


def test_scripted_server_calls_a_tool_then_writes_from_its_result():
    from openai import OpenAI

    model = ScriptedModel(entry={"intent": "cell", "llm": {"query": "表三 本年新收"}})
    with ChatServer(model) as server:
        client = OpenAI(api_key="test", base_url=server.base_url, timeout=5, max_retries=0)
        first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "本年新收多少？"}])
        call = first.choices[0].message.tool_calls[0]
        assert (call.function.name, json.loads(call.function.arguments)) == ("lookup_table", {"query": "表三 本年新收"})
        result = {"values": [{"cell": "表三「本年新收」", "value": 931, "unit": "件"}]}
        second = client.chat.completions.create(model="m", messages=[
            {"role": "user", "content": "本年新收多少？"},
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result, ensure_ascii=False)}])
    assert second.choices[0].message.content == "表三「本年新收」为931件。"
    assert len(server.chat_requests) == 2
