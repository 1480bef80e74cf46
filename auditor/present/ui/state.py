"""The keys of st.session_state, declared once; and the Settings built from the sidebar's values.

Everything under these keys belongs to one browser session. The API key lives only here: it is
never written to disk, logged, or used in a cache key except as a hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from ...config import Settings

# sidebar: the OpenAI-compatible endpoint
BASE_URL = "llm_base_url"
MODEL = "llm_model"
API_KEY = "llm_api_key"

# audit page
SOURCE = "audit_source"  # radio: upload or bundled sample
UPLOAD = "audit_upload"  # the st.file_uploader widget
SAMPLE = "audit_sample"  # selectbox of bundled samples
CURRENT = "audit_current"  # InputFile being audited (name, bytes, sha256, extension)
RESULT = "audit_result"  # its AuditResult, for other pages of this session
SEVERITIES = "audit_severities"  # multiselect filter on the findings list
EVIDENCE = "audit_evidence"  # index of the finding whose evidence is shown

# chat panel
CHAT = "chat_conversations"  # "sha256:settings" → Conversation (its ReportChat and history) for this session
CHAT_INPUT = "chat_input"  # the st.chat_input widget
CHAT_SUGGESTION = "chat_suggestion"  # pills of example questions (per report)
CHAT_CITATION = "chat_citation"  # pills of one answer's citations (per report and turn)
# triage page
TRIAGE_UPLOAD = "triage_upload"  # st.file_uploader: many reports and .zip archives
TRIAGE_ROSTER = "triage_roster"  # st.file_uploader: the roster CSV
TRIAGE_FOLDER = "triage_folder"  # text input: a folder on this machine (local use only)
TRIAGE_WORKERS = "triage_workers"
TRIAGE_TABLE = "triage_table"  # the ranked st.dataframe (its row selection)
TRIAGE_OPEN = "triage_open"  # selectbox: the file whose report is open
TRIAGE_REVIEWER = "triage_reviewer"  # who records decisions in this session
TRIAGE_FILTER_VERDICT = "triage_filter_verdict"
TRIAGE_FILTER_RULE = "triage_filter_rule"
TRIAGE_FILTER_YEAR = "triage_filter_year"
TRIAGE_FILTER_REGION = "triage_filter_region"
TRIAGE_FILTER_LEVEL = "triage_filter_level"
TRIAGE_FILTER_STATUS = "triage_filter_status"
TRIAGE_HIDE_UNREADABLE = "triage_hide_unreadable"
TRIAGE_SEARCH = "triage_search"
TRIAGE_NOTICE = "triage_notice"  # a message to show once after a rerun (batch started, decision saved)

SOURCE_UPLOAD = "上传报告文件"
SOURCE_SAMPLE = "使用示例报告"


def settings_from_state(state: Mapping) -> Settings:
    """Settings for the audit, from the sidebar values of this session only (never the environment)."""
    def value(key: str) -> str | None:
        text = (state.get(key) or "").strip()
        return text or None

    return Settings(openai_api_key=value(API_KEY), openai_base_url=value(BASE_URL), model=value(MODEL))


def settings_fingerprint(settings: Settings) -> str:
    """A cache key for the settings that change an audit; the API key enters only as its sha256."""
    key_hash = hashlib.sha256(settings.openai_api_key.encode()).hexdigest() if settings.openai_api_key else ""
    # Settings' repr leaves the key out (field repr=False) and shows every other setting
    return hashlib.sha256(f"{settings!r}\x1f{key_hash}".encode()).hexdigest()


def triage_home() -> Path:
    """Where the app keeps the triage database and uploaded batches: <cache dir>/triage (AUDITOR_CACHE_DIR)."""
    return Settings.from_env().cache_dir / "triage"
