"""The audit page: upload a report (or pick the bundled sample), read its audit, see the evidence."""

from __future__ import annotations

import streamlit as st

from ...config import Settings
from ...errors import AuditorError
from ...model import AuditResult
from . import state
from .chat import show_chat
from .upload import UPLOAD_TYPES, InputFile, audit_input, check_upload, sample_files
from .views import show_downloads, show_findings, show_sections, show_summary, show_tables


@st.cache_data(show_spinner=False, max_entries=32, ttl=6 * 3600)
def cached_audit(sha256: str, settings_key: str, _source: InputFile, _settings: Settings) -> AuditResult:
    """The audit of one file, cached by its sha256 and the settings' fingerprint (the API key only hashed).

    The progress bar is created inside, so a cache hit replays its final state (“审核完成：…”)
    instead of running the audit again.
    """
    bar = st.progress(0.0, text="正在审核：准备")
    stages: list[str] = []

    def progress(stage: str, fraction: float) -> None:
        if fraction < 1.0:
            stages.append(stage)
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"正在审核：{stage}")

    try:
        result = audit_input(_source, _settings, progress)
    except AuditorError:
        bar.progress(1.0, text="无法审核该文件")
        raise
    bar.progress(1.0, text="审核完成：" + " → ".join(stages))
    return result


def _chosen_input(settings: Settings) -> InputFile | None:
    """The report this run should show: the uploaded file or the selected sample (None: nothing yet)."""
    source = st.radio("报告来源", [state.SOURCE_UPLOAD, state.SOURCE_SAMPLE], horizontal=True, key=state.SOURCE,
                      label_visibility="collapsed")
    if source == state.SOURCE_SAMPLE:
        samples = sample_files(settings)
        if not samples:
            st.warning("没有找到示例报告（data/samples/）。")
            return None
        names = [p.name for p in samples]
        name = st.selectbox("示例报告", names, key=state.SAMPLE)
        path = samples[names.index(name)]
        current = st.session_state.get(state.CURRENT)
        if current is not None and current.name == path.name:
            return current
        return check_upload(path.name, path.read_bytes(), settings)
    uploaded = st.file_uploader("上传年度报告", type=UPLOAD_TYPES, key=state.UPLOAD, max_upload_size=50,
                                help="支持 PDF（含扫描件，由 OCR 识别）、DOCX、HTML、TXT、Markdown，单个文件不超过 50 MB。")
    if uploaded is None:
        st.caption("支持 PDF（含扫描件：扫描页由 OCR 识别，每页约需数秒）、DOCX、HTML、TXT、Markdown，单个文件不超过 50 MB。"
                   "也可以选择“使用示例报告”先看看效果。")
        return None
    current = st.session_state.get(state.CURRENT)
    data = uploaded.getvalue()
    return check_upload(uploaded.name, data, settings) if current is None or current.data != data else current


def audit_page() -> None:
    st.title("政府信息公开工作年度报告审核")
    st.caption("上传年度报告，逐格核对表二、表三、表四的勾稽关系，检查六个部分是否齐全、格式是否规范；"
               "每个问题都给出原文证据、页码和依据条款。")
    settings = state.settings_from_state(st.session_state)
    try:
        source = _chosen_input(settings)
    except AuditorError as error:
        st.session_state[state.CURRENT] = st.session_state[state.RESULT] = None
        st.error(error.message)
        return
    st.session_state[state.CURRENT] = source
    if source is None:
        st.session_state[state.RESULT] = None
        return
    try:
        result = cached_audit(source.sha256, state.settings_fingerprint(settings), source, settings)
    except AuditorError as error:
        st.session_state[state.RESULT] = None
        st.error(error.message)
        return
    st.session_state[state.RESULT] = result
    show_summary(result, source)
    show_downloads(result, source)
    show_findings(result, source)
    show_tables(result)
    show_sections(result)
    show_chat(result, source, settings)
