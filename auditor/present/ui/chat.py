"""The chat panel on the audited report: questions in Chinese, answers with their citations as chips; a chip
shows the cited cell on the form-like table, the passage boxed on the page (PDF) or marked in its paragraph,
the clause or the finding. The report is audited once; its ReportChat is built once per session and report.

LLM mode shows which lookups the model made while it works, and streams the answer once it has been checked
(an unchecked sentence is never shown).
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator

import streamlit as st

from ...chat import Answer, Citation, Conversation, ReportChat
from ...config import Settings
from ...model import AuditResult
from ..markdown_report import SEVERITY_TEXT
from . import state
from ..locate import Location
from .form import table_form
from .tables_html import STYLE, form_html
from .upload import InputFile

SUGGESTIONS = ["本年新收申请多少件？", "复议纠正了几件？", "这份报告有什么问题？", "有没有说明信息处理费？",
               "条例要求年报写哪些内容？"]
_STATE_TEXT = {"blank": "空白", "/": "“/”", "unreadable": "未能识别"}
_SEVERITY_WORD = {s.value: text for s, text in SEVERITY_TEXT.items()}
_QUOTE_STYLE = ("<style>.chat-quote{font-size:0.88rem;border-left:4px solid #4a90d9;margin:0.25rem 0;padding:4px 8px;"
                "background:#f5f9ff;word-break:break-all}.chat-quote mark{background:#ffd43b;padding:0 2px}</style>")


def _conversation(result: AuditResult, source: InputFile, settings: Settings) -> tuple[str, Conversation]:
    """This session's conversation about this report (and these settings), created on first use."""
    key = f"{source.sha256}:{state.settings_fingerprint(settings)[:16]}"
    conversations = st.session_state.setdefault(state.CHAT, {})
    if key not in conversations:
        conversations[key] = ReportChat(result, settings).conversation()
    return key, conversations[key]


def chip_label(citation: Citation) -> str:
    """The chip's text: what the citation is, short."""
    if citation.kind == "cell":
        value = citation.value if citation.value is not None else _STATE_TEXT.get(citation.state or "", "")
        label = citation.label if len(citation.label) <= 30 else citation.label[:29] + "…」"
        return f"{label} = {value}"
    if citation.kind == "passage":
        return f"原文 {citation.label}"
    if citation.kind == "clause":
        return f"条款 {citation.label}"
    return f"审核问题 {_SEVERITY_WORD.get(citation.severity or '', '')} {citation.rule}"


def _escape(text: str) -> str:
    for ch in "\\`*_[]<>#|~$":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "  \n")


def show_chat(result: AuditResult, source: InputFile, settings: Settings) -> None:
    st.subheader("就本报告提问")
    key, conversation = _conversation(result, source, settings)
    st.caption(f"{conversation.chat.mode_text}。可以追问，例如先问“本年新收申请多少件？”再问“那法人呢？”。"
               "点击回答下方的引用，可查看对应的表格单元格、原文段落或条款。")
    st.markdown(STYLE + _QUOTE_STYLE, unsafe_allow_html=True)
    for index, answer in enumerate(conversation.history):
        with st.chat_message("user"):
            st.markdown(_escape(answer.question))
        with st.chat_message("assistant"):
            _show_answer(answer, index, key, result, source)
    suggestion = None
    if not conversation.history:
        suggestion = st.pills("试试这些问题", SUGGESTIONS, key=f"{state.CHAT_SUGGESTION}:{key}")
    question = st.chat_input("就本报告提问，例如：本年新收申请多少件？", key=state.CHAT_INPUT) or suggestion
    if question:
        _ask(conversation, question, key, result, source)


def _ask(conversation: Conversation, question: str, key: str, result: AuditResult, source: InputFile) -> None:
    with st.chat_message("user"):
        st.markdown(_escape(question))
    with st.chat_message("assistant"):
        if conversation.chat.mode == "llm":
            with st.status("正在查询报告…", expanded=False) as status:
                answer = conversation.ask(question, on_event=lambda kind, text: status.write(text))
                status.update(label="已核对回答中的数字和引文" if answer.mode == "llm" else "已改用规则模式回答",
                              state="complete")
            st.write_stream(_chunks(_escape(answer.text)))
            _show_answer(answer, len(conversation.history) - 1, key, result, source, text=False)
        else:
            answer = conversation.ask(question)
            _show_answer(answer, len(conversation.history) - 1, key, result, source)


def _chunks(text: str, size: int = 6) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start:start + size]
        time.sleep(0.01)


def _show_answer(answer: Answer, index: int, key: str, result: AuditResult, source: InputFile,
                 text: bool = True) -> None:
    if text:
        st.markdown(_escape(answer.text))
    if answer.note:
        st.caption(answer.note)
    if not answer.citations:
        return
    chosen = st.pills("引用", list(range(len(answer.citations))), key=f"{state.CHAT_CITATION}:{key}:{index}",
                      format_func=lambda i: chip_label(answer.citations[i]), label_visibility="collapsed")
    if chosen is not None:
        show_citation(answer.citations[chosen], result, source)


def show_citation(citation: Citation, result: AuditResult, source: InputFile) -> None:
    """Where a citation points: the cell on its table, the passage on its page, the clause or the finding."""
    with st.container(border=True):
        if citation.kind == "cell":
            where = f"，原文第{citation.page}页" if citation.page else ""
            raw = f"原文“{citation.raw}”" if citation.raw else "原文为空白"
            st.caption(f"{citation.label}：{raw}{where}（蓝框）")
            table = result.report.tables.get(citation.table or "")
            column = citation.column or "value"
            st.markdown(form_html(table_form(table, citation.table), {}, cited={(citation.row, column)}),
                        unsafe_allow_html=True)
        elif citation.kind == "passage":
            _show_passage(citation, result, source)
        elif citation.kind == "clause":
            st.caption(f"{citation.label}（{citation.source}）")
            st.markdown(f'<div class="chat-quote">{html.escape(citation.quote or "")}</div>'.replace("\n", "<br>"),
                        unsafe_allow_html=True)
        else:
            st.caption(f"审核问题（{_SEVERITY_WORD.get(citation.severity or '', '')}，规则 {citation.rule}）")
            st.markdown(_escape(citation.message or ""))


def _show_passage(citation: Citation, result: AuditResult, source: InputFile) -> None:
    quote = citation.quote or ""
    if source.is_pdf and citation.page and citation.bbox:
        from .views import _page_png
        location = Location(citation.page, [tuple(citation.bbox)], [quote[:40]], "段落")
        png, _ = _page_png(source.sha256, location, True, source.data)
        st.image(png, caption=f"原文第{citation.page}页（局部），红框为引用的段落", width="stretch")
        return
    paragraph = next((p.text for p in result.report.document.paragraphs if quote and quote in p.text), quote)
    start = paragraph.find(quote)
    marked = (html.escape(paragraph[:start]) + f"<mark>{html.escape(quote)}</mark>"
              + html.escape(paragraph[start + len(quote):])) if start >= 0 else html.escape(quote)
    st.caption(f"{citation.label}（黄色为引用的原文）")
    st.markdown(f'<div class="chat-quote">{marked}</div>', unsafe_allow_html=True)

