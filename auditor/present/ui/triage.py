"""The triage page: many reports at once, the bad ones first.

Upload reports and .zip archives (or, when the app runs on this machine, name a folder); the batch runs in a
background process (batch/launch.py), so closing the tab loses nothing and the page shows the batch again from
the database when it is opened. The ranked table filters by verdict, rule, year, region/level, status and name;
a row opens the single-report view with the decision buttons; the charts and the Excel export follow the filters.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path, PurePosixPath

import pandas as pd
import streamlit as st

from ...batch import REPORT_STATUSES, BatchRecord, Store, batch_running, ranked
from ...batch.engine import batch_coverage, batch_records
from ...batch.launch import start_batch
from ...config import Settings
from ..batch_export import render_batch_workbook
from ..batch_report import STATUS_TEXT, UNREADABLE_TEXT, problem_text, verdict_counts, verdict_text
from ..markdown_report import VERDICT_TEXT
from ..spreadsheet import XLSX_MIME
from . import state
from .triage_charts import coverage_chart, rules_chart, verdicts_chart
from .triage_view import show_batch_report
from .upload import UPLOAD_TYPES, display_name

DB_NAME = "triage.sqlite"
LOCAL_ADDRESSES = ("", "127.0.0.1", "localhost", "::1")
REFRESH_S = 2.0
_SHOWN = "triage_shown"  # the batch's state when the page last read the results: a change reruns the page
_SELECTED = "triage_selected"  # the table row last selected, so a selection applies once
_WATCH = "triage_watch"  # (id of the last run before ours, when we started it): wait for our run to show up
START_TIMEOUT_S = 120.0


def _db() -> Path:
    return state.triage_home() / DB_NAME


def _uploads() -> Path:
    return state.triage_home() / "uploads"


def _is_local() -> bool:
    return (st.get_option("server.address") or "") in LOCAL_ADDRESSES


def _save_uploads(files, roster) -> tuple[str | None, Path | None]:
    """The uploaded files in a folder of their own under uploads/ (named by the time); (its name, the roster)."""
    if not files and roster is None:
        return None, None
    name = f"上传-{datetime.now():%Y%m%d-%H%M%S}"
    folder = _uploads() / name
    n = 1
    while folder.exists():
        n += 1
        folder = _uploads() / f"{name}-{n}"
    batch_folder = folder / "报告"
    batch_folder.mkdir(parents=True)
    used: set[str] = set()
    for uploaded in files:
        shown = display_name(uploaded.name)
        stem, suffix = PurePosixPath(shown).stem, PurePosixPath(shown).suffix
        candidate, i = shown, 1
        while candidate in used:
            i += 1
            candidate = f"{stem}（{i}）{suffix}"
        used.add(candidate)
        (batch_folder / candidate).write_bytes(uploaded.getvalue())
    roster_path = None
    if roster is not None:
        roster_path = folder / "名单.csv"
        roster_path.write_bytes(roster.getvalue())
    return (str(batch_folder.relative_to(_uploads())) if files else None), roster_path


def _start(settings: Settings) -> None:
    if batch_running(_db()):
        st.session_state[state.TRIAGE_NOTICE] = "已有批量审核正在进行，请等它结束后再开始新的批量审核。"
        return
    inputs = []
    folder_input, roster = _save_uploads(st.session_state.get(state.TRIAGE_UPLOAD) or [],
                                         st.session_state.get(state.TRIAGE_ROSTER))
    if folder_input:
        inputs.append(folder_input)
    folder = (st.session_state.get(state.TRIAGE_FOLDER) or "").strip()
    if folder:
        if not Path(folder).is_dir():
            st.session_state[state.TRIAGE_NOTICE] = f"找不到文件夹“{folder}”，请检查路径（须为运行本应用的电脑上的文件夹）。"
            return
        inputs.append(str(Path(folder).resolve()))
    if not inputs:
        st.session_state[state.TRIAGE_NOTICE] = "请先上传年度报告（可多选，或上传 .zip 压缩包），或填写本机文件夹。"
        return
    _uploads().mkdir(parents=True, exist_ok=True)
    st.session_state[_WATCH] = (_last_run_id(), time.monotonic())
    start_batch(inputs, _db(), _uploads(), settings, int(st.session_state.get(state.TRIAGE_WORKERS) or 1), roster)
    st.session_state[state.TRIAGE_NOTICE] = "已开始批量审核：结果会陆续显示在下方，关闭页面也不会中断。"


def _resume(settings: Settings, run) -> None:
    st.session_state[_WATCH] = (_last_run_id(), time.monotonic())
    start_batch(json.loads(run["inputs"]), _db(), Path(run["cwd"]), settings)
    st.session_state[state.TRIAGE_NOTICE] = "已继续批量审核：已完成的文件不会重复审核。"


def _start_form(settings: Settings, has_results: bool, running: bool) -> None:
    with st.expander("开始新的批量审核", expanded=not has_results):
        chosen = st.file_uploader("上传年度报告或压缩包（可多选）", type=UPLOAD_TYPES + ["zip"],
                                  accept_multiple_files=True, key=state.TRIAGE_UPLOAD, max_upload_size=500,
                                  help="PDF、DOCX、HTML、TXT、Markdown，以及包含这些文件的 .zip 压缩包；压缩包中的"
                                       "不安全路径、加密文件和压缩炸弹会被拒绝并记为错误。")
        if chosen:
            size = sum(f.size for f in chosen) / 1024 ** 2
            st.caption(f"已选择 {len(chosen)} 个文件（共 {size:.1f} MB）："
                       + "、".join(display_name(f.name) for f in chosen[:5]) + ("等" if len(chosen) > 5 else ""))
        st.file_uploader("应报单位名单（可选，CSV：单位名称,地区,层级）", type=["csv"], key=state.TRIAGE_ROSTER,
                         help="用于统计缺报单位、名单外报告，并按地区、层级筛选和统计。")
        if _is_local():
            st.text_input("或：本机文件夹路径（含子文件夹）", key=state.TRIAGE_FOLDER,
                          placeholder="/home/user/2024年报", help="仅在本机运行本应用时可用。")
        st.number_input("并行审核进程数", min_value=1, max_value=max(1, (os.cpu_count() or 1) * 2),
                        value=os.cpu_count() or 1, key=state.TRIAGE_WORKERS)
        st.button("开始批量审核", type="primary", on_click=_start, args=(settings,), disabled=running)


def _last_run_id() -> int | None:
    with Store(_db()) as store:
        run = store.run()
    return run["id"] if run else None


def _batch_state(run, running: bool) -> tuple:
    """What the results on the page depend on: the last run, how many files it finished, whether it runs."""
    return (run["id"], run["done"], running) if run else (None, 0, running)


def _log_tail(lines: int = 3) -> str:
    log = _db().with_suffix(".log")
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _progress(settings: Settings, running: bool) -> None:
    """The batch's progress, refreshed every REFRESH_S seconds while one runs (or was just started); whenever the
    batch's state differs from the one the page read its results in (new results, the end of the batch, even a
    batch that started and ended between two looks), the page runs again so the table shows them."""

    @st.fragment(run_every=REFRESH_S if running or _WATCH in st.session_state else None)
    def live() -> None:
        with Store(_db()) as store:
            run = store.run()
        now_running = batch_running(_db())
        watch = st.session_state.get(_WATCH)
        if watch is not None and not now_running and (run is None or run["id"] == watch[0]):
            if time.monotonic() - watch[1] < START_TIMEOUT_S:
                st.info("正在启动批量审核……")
                return
            st.session_state.pop(_WATCH, None)
            st.error("批量审核未能启动：" + (_log_tail() or "没有输出"))
            return
        if watch is not None and not now_running and run is not None:
            st.session_state.pop(_WATCH, None)  # our run has been and gone: nothing more to wait for
        if run is None:
            return
        if now_running:
            to_audit, done = run["to_audit"], run["done"]
            fraction = done / to_audit if to_audit else 0.0
            st.progress(min(fraction, 1.0), text=f"正在审核：{done}/{to_audit} 份（共 {run['total']} 个文件，"
                                                  f"无法审核 {run['errors']} 份）……结果会陆续显示在下方。")
        elif run["state"] in ("running", "interrupted"):
            st.warning(f"上次批量审核未完成（已保存 {run['done']} 份结果）。继续审核时，已完成的文件不会重复审核。")
            st.button("继续审核", on_click=_resume, args=(settings, run))
        elif run["state"] == "failed":
            st.error(f"上次批量审核出错：{run['message']}")
        if _batch_state(run, now_running) != st.session_state.get(_SHOWN):
            st.rerun()  # new results, or the batch ended: the whole page shows them

    live()


def _filters(records: list[BatchRecord]) -> list[BatchRecord]:
    verdicts = [*VERDICT_TEXT.values(), UNREADABLE_TEXT]
    rules = sorted({rule for r in records for rule in r.rules})
    years = sorted({r.year for r in records if r.year}, reverse=True)
    regions = sorted({r.region for r in records if r.region})
    levels = sorted({r.level for r in records if r.level})
    with st.expander("筛选", expanded=True):
        first = st.columns(4)
        pick = "请选择"
        chosen_verdicts = first[0].multiselect("审核结论", verdicts, key=state.TRIAGE_FILTER_VERDICT, placeholder=pick)
        chosen_rules = first[1].multiselect("包含规则", rules, key=state.TRIAGE_FILTER_RULE, placeholder=pick)
        chosen_years = first[2].multiselect("年度", years, key=state.TRIAGE_FILTER_YEAR, placeholder=pick)
        chosen_status = first[3].multiselect("报告状态", REPORT_STATUSES, format_func=STATUS_TEXT.get,
                                             key=state.TRIAGE_FILTER_STATUS, placeholder=pick)
        second = st.columns(4)
        chosen_regions = second[0].multiselect("地区", regions, key=state.TRIAGE_FILTER_REGION, disabled=not regions,
                                               placeholder=pick if regions else "无名单数据")
        chosen_levels = second[1].multiselect("层级", levels, key=state.TRIAGE_FILTER_LEVEL, disabled=not levels,
                                              placeholder=pick if levels else "无名单数据")
        search = second[2].text_input("按单位名称搜索", key=state.TRIAGE_SEARCH).strip()
        hide = second[3].checkbox("隐藏无法读取的文件", key=state.TRIAGE_HIDE_UNREADABLE)
    kept = []
    for r in records:
        if chosen_verdicts and verdict_text(r) not in chosen_verdicts:
            continue
        if chosen_rules and not set(chosen_rules) & set(r.rules):
            continue
        if (chosen_years and r.year not in chosen_years) or (chosen_status and r.report_status not in chosen_status):
            continue
        if (chosen_regions and r.region not in chosen_regions) or (chosen_levels and r.level not in chosen_levels):
            continue
        if search and search not in (r.agency or "") and search not in r.file:
            continue
        if hide and r.status != "audited":
            continue
        kept.append(r)
    return kept


def records_table(records: list[BatchRecord]) -> pd.DataFrame:
    """The ranked table as shown (and as the browser test reads it)."""
    return pd.DataFrame([{
        "排名": i, "单位": r.agency or ("未识别" if r.status == "audited" else "—"), "年度": r.year,
        "地区": r.region or "", "层级": r.level or "", "结论": verdict_text(r),
        "评分": r.score if r.status == "audited" else None,
        "错误": r.counts["error"] if r.status == "audited" else None,
        "警告": r.counts["warning"] if r.status == "audited" else None,
        "提示": r.counts["info"] if r.status == "audited" else None,
        "主要问题": problem_text(r), "报告状态": STATUS_TEXT.get(r.report_status, r.report_status), "文件": r.file,
    } for i, r in enumerate(records, 1)])


def _workbook(db: Path, records: list[BatchRecord], coverage) -> bytes:
    """Built when the button is clicked: the filtered view with its findings and decisions."""
    with Store(db) as store:
        return render_batch_workbook(store, records, coverage)


def _label(rank: dict[str, int], by_file: dict[str, BatchRecord]):
    def label(file: str) -> str:
        r = by_file[file]
        return f"{rank[file]}. {r.agency or PurePosixPath(file).name} {r.year or ''} — {verdict_text(r)}（{file}）"
    return label


def triage_page() -> None:
    st.title("批量审核与分诊")
    st.caption("一次审核一个地区、一个年度的全部年报：问题最多的排在最前；可按结论、规则、年度、地区筛选，"
               "点击一行查看该报告的问题、表格和原文证据，并记录复核结论。")
    settings = state.settings_from_state(st.session_state)
    notice = st.session_state.pop(state.TRIAGE_NOTICE, None)
    if notice:
        (st.error if notice.startswith(("未能", "找不到", "请先", "已有")) else st.success)(notice)
    db = _db()
    running = batch_running(db)
    with Store(db) as store:  # the state first: anything finished after it makes the page run again
        st.session_state[_SHOWN] = _batch_state(store.run(), running)
        records = ranked(batch_records(store))
        coverage = batch_coverage(store)
    _start_form(settings, bool(records), running)
    _progress(settings, running)
    if not records:
        st.info("还没有批量审核结果：上传报告（或压缩包）后点击“开始批量审核”。")
        return

    filtered = _filters(records)
    counts = verdict_counts(records)
    columns = st.columns(len(counts) + 1)
    columns[0].metric("报告总数", len(records))
    for column, (text, n) in zip(columns[1:], counts.items()):
        column.metric(text, n)
    st.subheader(f"审核结果（问题最多的在前，显示 {len(filtered)}/{len(records)} 份）")
    table = records_table(filtered)
    event = st.dataframe(table, key=state.TRIAGE_TABLE, on_select="rerun", selection_mode="single-row",
                         hide_index=True, width="stretch",
                         column_config={"评分": st.column_config.NumberColumn(format="%.1f"),
                                        "主要问题": st.column_config.TextColumn(width="large")})
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(filtered) and st.session_state.get(_SELECTED) != filtered[rows[0]].file:
        st.session_state[_SELECTED] = st.session_state[state.TRIAGE_OPEN] = filtered[rows[0]].file
    st.download_button("导出当前视图（Excel）", lambda: _workbook(db, filtered, coverage),
                       f"批量审核结果-{datetime.now():%Y%m%d}.xlsx", XLSX_MIME, on_click="ignore")

    tabs = st.tabs(["各规则问题数", "各地区/层级审核结论", "名单覆盖情况"])
    with tabs[0]:
        if any(r.rule_counts for r in filtered):
            st.altair_chart(rules_chart(filtered), width="stretch")
        else:
            st.caption("当前视图中的报告没有发现问题。")
    with tabs[1]:
        st.altair_chart(verdicts_chart(filtered), width="stretch")
    with tabs[2]:
        if coverage is None:
            st.caption("上传应报单位名单（CSV）后，这里显示名单中每个单位各年度的提交情况。")
        else:
            st.altair_chart(coverage_chart(coverage), width="stretch")
            missing = coverage.missing()
            st.caption(f"缺报 {len(missing)} 份；名单外报告 {len(coverage.unmatched)} 份"
                       + (f"：{'、'.join(coverage.unmatched[:10])}" if coverage.unmatched else "") + "。")

    st.divider()
    st.text_input("复核人", key=state.TRIAGE_REVIEWER, placeholder="记录复核结论前请填写姓名")
    by_file = {r.file: r for r in records}
    rank = {r.file: i for i, r in enumerate(filtered, 1)}
    if st.session_state.get(state.TRIAGE_OPEN) not in rank:
        st.session_state[state.TRIAGE_OPEN] = None
    chosen = st.selectbox("打开报告（也可以点击上表中的一行）", list(rank), index=None, key=state.TRIAGE_OPEN,
                          format_func=_label(rank, by_file), placeholder="选择一份报告")
    if chosen:
        show_batch_report(str(db), by_file[chosen], settings)
