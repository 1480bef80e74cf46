"""One report of a batch opened in the single-report view, with the reviewer's decision buttons.

The findings, verdict and score are the stored audit JSON (the record of what was audited); the file is read
again only to show its tables and the evidence on the page. A decision is written to the batch database at once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath

import streamlit as st

from ...batch import REPORT_STATUSES, FindingState, Store, decide, finding_states, set_report_status
from ...batch.inputs import stored_source
from ...batch.records import BatchRecord
from ...config import Settings
from ...errors import AuditorError
from ...model import AuditResult, Finding
from ..batch_report import DECISION_TEXT, ERROR_TEXT, STATUS_TEXT
from ..json_report import result_from_dict
from . import state
from .upload import InputFile, check_upload, read_input
from .views import show_downloads, show_findings, show_sections, show_summary, show_tables

DECISION_BADGE = {"open": ":gray-badge[未复核]", "confirmed": ":green-badge[已确认]", "dismissed": ":gray-badge[已排除]",
                  "reopened": ":orange-badge[已重新打开]"}


@st.cache_data(show_spinner="正在读取原文件……", max_entries=16, ttl=3600)
def _stored_result(file: str, audit_digest: str, _audit: dict, _row, _settings: Settings) -> tuple[AuditResult, InputFile]:
    data = stored_source(_row, _settings)
    source = check_upload(PurePosixPath(file).name, data, _settings)
    return result_from_dict(_audit, read_input(source, _settings)), source


def _note_key(fingerprint: str) -> str:
    return f"triage_note_{fingerprint}"


def _save_decision(db: str, file: str, fingerprint: str, decision: str) -> None:
    reviewer = (st.session_state.get(state.TRIAGE_REVIEWER) or "").strip()
    note = st.session_state.get(_note_key(fingerprint), "")
    try:
        with Store(db) as store:
            decide(store, file, fingerprint, decision, note, reviewer)
        st.session_state[state.TRIAGE_NOTICE] = f"已记录：{DECISION_TEXT[decision]}。"
    except AuditorError as error:
        st.session_state[state.TRIAGE_NOTICE] = f"未能记录：{error.message}"


def _decision_controls(db: str, file: str, states: dict[int, FindingState]):
    def actions(finding: Finding) -> None:
        found = states.get(id(finding))
        if found is None:
            return
        decision = found.decision
        line = DECISION_BADGE[found.state]
        if decision is not None:
            verb = "此前" + DECISION_TEXT[decision["decision"]] if found.state == "reopened" else ""
            line += f" {verb}（{decision['decided_by']}，{decision['decided_at'][:16].replace('T', ' ')}"
            line += f"：{decision['note']}）" if decision["note"] else "）"
            if found.state == "reopened":
                line += " 数值已变化，请重新复核。"
        st.markdown(line)
        note, confirm, dismiss = st.columns([3, 1.4, 1], vertical_alignment="bottom")
        note.text_input("复核说明", key=_note_key(found.fingerprint), placeholder="可选：核实情况、整改要求等",
                        label_visibility="collapsed")
        confirm.button("确认问题", key=f"triage_confirm_{found.fingerprint}", on_click=_save_decision,
                       args=(db, file, found.fingerprint, "confirmed"))
        dismiss.button("排除", key=f"triage_dismiss_{found.fingerprint}", on_click=_save_decision,
                       args=(db, file, found.fingerprint, "dismissed"))
    return actions


def _save_status(db: str, file: str) -> None:
    reviewer = (st.session_state.get(state.TRIAGE_REVIEWER) or "").strip()
    status = st.session_state.get(f"triage_status_{file}")
    try:
        with Store(db) as store:
            set_report_status(store, file, status, st.session_state.get(f"triage_status_note_{file}", ""), reviewer)
        st.session_state[state.TRIAGE_NOTICE] = f"已将报告状态设为：{STATUS_TEXT[status]}。"
    except AuditorError as error:
        st.session_state[state.TRIAGE_NOTICE] = f"未能记录：{error.message}"


def show_batch_report(db: str, record: BatchRecord, settings: Settings) -> None:
    """The stored audit of `record` in the single-report view, with decisions and the report's status."""
    st.subheader(f"报告：{record.agency or PurePosixPath(record.file).name}" + (f"（{record.year}年度）" if record.year else ""))
    if record.status != "audited":
        code = (record.error or {}).get("code")
        st.error(f"无法审核（{ERROR_TEXT.get(code, code)}）：{(record.error or {}).get('message', '')}")
        return
    status_column, note_column, save_column = st.columns([1, 2, 1], vertical_alignment="bottom")
    status_column.selectbox("报告状态", REPORT_STATUSES, index=REPORT_STATUSES.index(record.report_status),
                            format_func=STATUS_TEXT.get, key=f"triage_status_{record.file}")
    note_column.text_input("状态说明", key=f"triage_status_note_{record.file}", placeholder="可选")
    save_column.button("保存状态", key=f"triage_status_save_{record.file}", on_click=_save_status, args=(db, record.file))
    if record.previous:
        st.caption(f"已与同一单位上一年度的报告“{record.previous}”对比（跨年度规则已运行）。")
    with Store(db) as store:
        audit = store.audit_json(record.file)
        row = store.file_row(record.file)
        states = finding_states(store, record.report_key, audit["findings"])
    digest = hashlib.sha256(json.dumps(audit, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    try:
        result, source = _stored_result(record.file, digest, audit, row, settings)
    except AuditorError as error:
        st.warning(error.message + "下面只列出已保存的审核结果。")
        st.dataframe([{"复核": DECISION_TEXT[s.state], "程度": s.finding["severity"], "问题": s.finding["message"],
                       "依据": s.finding.get("basis") or "", "规则": s.finding["rule"]} for s in states],
                     hide_index=True, width="stretch")
        return
    by_finding = {id(f): s for f, s in zip(result.findings, states)}
    decided = sum(1 for s in states if s.decided)
    show_summary(result, source)
    st.caption(f"复核进度：{decided}/{len(states)} 项问题已确认或排除"
               + (f"，{sum(1 for s in states if s.state == 'reopened')} 项因数值变化重新打开" if any(
                   s.state == "reopened" for s in states) else "") + "。")
    show_downloads(result, source)
    show_findings(result, source, _decision_controls(db, record.file, by_finding))
    show_tables(result)
    show_sections(result)
