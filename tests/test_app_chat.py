"""The chat panel of the app through AppTest: ask about the audited report, get the answer with its citations as
chips, and see what a chip points at (the cell on the form-like table, the passage on the page). In LLM mode the
answer comes through a scripted OpenAI-compatible server on 127.0.0.1 and is streamed once checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auditor.present.ui import state
from tests.test_chat_support import ChatServer, ScriptedModel
from tests.test_review_support import shared_cache_dir, shared_index

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """The app keeps its caches under ~/.cache: point HOME at a folder whose cache holds the corpus index already
    built for this test session, so nothing is written to the real home and nothing is built twice."""
    shared_index()
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "gov-report-auditor").symlink_to(shared_cache_dir(), target_is_directory=True)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def sample_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.radio(key=state.SOURCE).set_value(state.SOURCE_SAMPLE).run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key=state.CHAT_INPUT).set_value(question).run()
    assert not at.exception, at.exception
    return at


def answers(at: AppTest) -> list[str]:
    """The text of each assistant message, in order."""
    out = []
    for message in at.chat_message:
        if message.name == "assistant":
            out.append("\n".join(str(m.value) for m in message.markdown))
    return out


def test_ask_about_the_sample_and_see_the_cited_cell_on_the_form(home):
    at = sample_app()
    assert "就本报告提问" in [s.value for s in at.subheader]
    assert any(c.value.startswith("规则模式（未使用大模型") for c in at.caption)
    ask(at, "本年新收申请多少件？")
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert "931件" in answers(at)[0]
    pills = at.pills(key=f"{state.CHAT_CITATION}:{_conversation_key(at)}:0")
    assert pills.options == ["表三「一、本年新收政府信息公开申请数量」×「总计」 = 931"]
    pills.set_value(0).run()
    form = next(m.value for m in at.markdown if 'class="value cited"' in m.value)
    cell = re.search(r'<td class="value cited"[^>]*data-cell="([^"]+)"[^>]*>([^<]*)</td>', form)
    assert cell.groups() == ("new_received.total", "931")
    assert any("原文“931”，原文第2页（蓝框）" in c.value for c in at.caption)
    # a follow-up is read against the last question
    ask(at, "那法人呢？")
    assert "合计294件" in answers(at)[1]
    assert len(at.pills(key=f"{state.CHAT_CITATION}:{_conversation_key(at)}:1").options) == 5


def test_a_passage_chip_boxes_the_paragraph_on_the_pdf_page(home):
    at = sample_app()
    ask(at, "有没有说明信息处理费？")
    assert "未收取信息处理费" in answers(at)[0]
    pills = at.pills(key=f"{state.CHAT_CITATION}:{_conversation_key(at)}:0")
    assert pills.options == ["原文 第六部分 第3页"]
    pills.set_value(0).run()
    images = [str(e.proto) for e in at.get("image")]
    assert any("原文第3页（局部），红框为引用的段落" in i for i in images)


def test_suggested_questions_start_a_conversation(home):
    at = sample_app()
    suggestions = at.pills(key=f"{state.CHAT_SUGGESTION}:{_conversation_key(at)}")
    suggestions.set_value("这份报告有什么问题？").run()
    assert not at.exception
    assert "审核未发现问题" in answers(at)[0]


def test_llm_mode_streams_a_checked_answer_through_the_scripted_server(home):
    model = ScriptedModel(entry={"intent": "cell", "llm": {"query": "表四 行政复议 结果纠正"}})
    with ChatServer(model) as server:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.sidebar.text_input(key=state.BASE_URL).set_value(server.base_url)
        at.sidebar.text_input(key=state.MODEL).set_value("scripted-chat")
        at.sidebar.text_input(key=state.API_KEY).set_value("test-key")
        at.radio(key=state.SOURCE).set_value(state.SOURCE_SAMPLE).run()
        assert not at.exception, at.exception
        assert any(c.value.startswith("大模型模式（模型：scripted-chat") for c in at.caption)
        ask(at, "复议纠正了几件？")
    chat_requests = [b for b in server.chat_requests if b["tools"][0]["function"]["name"] == "lookup_table"]
    assert len(chat_requests) == 2  # the tool call, then the answer written from its result
    assert "表四「行政复议」×「结果纠正」为8件" in answers(at)[0]
    assert [s.label for s in at.get("status")] == ["已核对回答中的数字和引文"]
    assert at.pills(key=f"{state.CHAT_CITATION}:{_conversation_key(at)}:0").options == [
        "表四「行政复议」×「结果纠正」 = 8"]


def _conversation_key(at: AppTest) -> str:
    keys = list(at.session_state[state.CHAT])
    assert len(keys) == 1
    return keys[0]
