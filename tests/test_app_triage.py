"""The triage page through streamlit.testing's AppTest: upload reports and a zip, the batch runs in a real
background process (`python -m auditor batch`), the ranked table, the filters, the charts, a report opened from
its stored audit with the decision buttons, and the page reopened from the database."""

from __future__ import annotations

import io
import time
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from auditor.batch import Store, batch_records, batch_running
from auditor.present.batch_export import render_batch_workbook
from auditor.present.ui import state
from tests.batch_support import REPORTS, agency, spec, with_row_total_error, write_md, zip_of

ROOT = Path(__file__).resolve().parents[1]
DB = "triage/triage.sqlite"


def triage_app():
    from auditor.present.ui.sidebar import settings_sidebar
    from auditor.present.ui.triage import triage_page

    settings_sidebar()
    triage_page()


def start(cache: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(cache))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    at = AppTest.from_function(triage_app, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def wait_for_batch(db: Path, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while not db.exists() or batch_running(db) or _state(db) != "finished":
        assert time.monotonic() < deadline, "the background batch did not finish"
        time.sleep(0.1)


def _state(db: Path) -> str | None:
    with Store(db) as store:
        run = store.run()
    return run["state"] if run else None


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


@pytest.fixture()
def uploads(tmp_path):
    worst = write_md(tmp_path / "src", with_row_total_error(spec(1)), name="worst").read_bytes()
    good = write_md(tmp_path / "src", spec(2), name="good").read_bytes()
    archive = zip_of(tmp_path / "src" / "乡镇.zip", {"乡镇/a.md": write_md(tmp_path / "src", spec(3)).read_bytes(),
                                                     "乡镇/../../escape.md": good})
    return [("worst.md", worst, "text/markdown"), ("good.md", good, "text/markdown"),
            ("乡镇.zip", archive.read_bytes(), "application/zip"),
            ("typos.pdf", (REPORTS / "typos-and-blanks.pdf").read_bytes(), "application/pdf")]


def test_upload_a_zip_and_files_run_in_the_background_then_triage_and_decide(tmp_path, monkeypatch, uploads):
    cache = tmp_path / "cache"
    at = start(cache, monkeypatch)
    assert "还没有批量审核结果：上传报告（或压缩包）后点击“开始批量审核”。" in texts(at, "info")
    at.file_uploader(key=state.TRIAGE_UPLOAD).set_value(uploads)
    roster = ("单位名称,地区,层级\n" + "\n".join(f"{agency(i)},{'东区' if i % 2 else '西区'},县级" for i in (1, 2, 3, 4))
              + "\n").encode("utf-8-sig")
    at.file_uploader(key=state.TRIAGE_ROSTER).set_value(("名单.csv", roster, "text/csv"))
    at.number_input(key=state.TRIAGE_WORKERS).set_value(2)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "已开始批量审核：结果会陆续显示在下方，关闭页面也不会中断。" in texts(at, "success")

    wait_for_batch(cache / DB)
    at.run()  # the page, opened again after the batch: everything comes from the database
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == 5
    first = table.iloc[0]
    assert (first["结论"], first["主要问题"].split("：")[0]) == ("无法审核", "压缩包路径越界")
    assert first["文件"].endswith("乡镇.zip/乡镇/../../escape.md")
    assert list(table["结论"][1:3]) == ["不通过", "需关注"]
    assert table.iloc[1]["单位"] == agency(1) and table.iloc[1]["地区"] == "东区"
    assert [m.value for m in at.metric][:5] == ["5", "2", "1", "1", "1"]  # 总数, 通过, 需关注, 不通过, 无法审核

    # filters: hide the unreadable file, then only reports with a T3.row_total finding
    at.checkbox(key=state.TRIAGE_HIDE_UNREADABLE).check().run()
    assert len(at.dataframe[0].value) == 4
    at.multiselect(key=state.TRIAGE_FILTER_RULE).select("T3.row_total").run()
    assert list(at.dataframe[0].value["单位"]) == [agency(1)]
    at.multiselect(key=state.TRIAGE_FILTER_RULE).unselect("T3.row_total").run()
    at.text_input(key=state.TRIAGE_SEARCH).input(agency(2)).run()
    assert list(at.dataframe[0].value["单位"]) == [agency(2)]
    at.text_input(key=state.TRIAGE_SEARCH).input("").run()

    # the coverage caption: 4 on the roster, 3 submitted, one missing; the typos PDF is not on the roster
    assert any(c.startswith("缺报 1 份；名单外报告 1 份") for c in texts(at, "caption"))

    # open the worst report: the single-report view from the stored audit, with the decision buttons
    worst = next(f for f in at.selectbox(key=state.TRIAGE_OPEN).options if "worst" in f)
    at.selectbox(key=state.TRIAGE_OPEN).select(worst).run()
    assert not at.exception, at.exception
    verdict = [v for v in texts(at, "error") if v.startswith("审核结论")]
    assert verdict and verdict[0].startswith("审核结论：**不通过**")
    assert any('data-table="table3"' in m for m in texts(at, "markdown"))  # the tables, read again from the file
    confirm = [b for b in at.button if b.label == "确认问题"]
    assert len(confirm) >= 1
    confirm[0].click().run()  # no reviewer yet: refused
    assert any(e.startswith("未能记录：请注明复核人") for e in texts(at, "error"))
    at.text_input(key=state.TRIAGE_REVIEWER).input("王五").run()
    [b for b in at.button if b.label == "确认问题"][0].click().run()
    assert "已记录：已确认。" in texts(at, "success")
    assert any(":green-badge[已确认]" in m and "王五" in m for m in texts(at, "markdown"))
    at.selectbox(key=f"triage_status_{at.session_state[state.TRIAGE_OPEN]}").select("returned")
    [b for b in at.button if b.label == "保存状态"][0].click().run()
    assert "已将报告状态设为：已退回整改。" in texts(at, "success")

    with Store(cache / DB) as store:
        decisions = store.all_decisions()
        statuses = store.report_statuses()
    assert [(d["decision"], d["decided_by"]) for d in decisions] == [("confirmed", "王五")]
    assert [s["status"] for s in statuses.values()] == ["returned"]

    # the export of the current view opens in Excel/WPS with the decision in it
    assert "导出当前视图（Excel）" in [b.proto.label for b in at.get("download_button")]
    with Store(cache / DB) as store:
        book = openpyxl.load_workbook(io.BytesIO(render_batch_workbook(store, batch_records(store))))
    findings = book["问题清单"]
    header = [c.value for c in findings[1]]
    assert "已确认" in [row[header.index("复核结论")] for row in findings.iter_rows(min_row=2, values_only=True)]
