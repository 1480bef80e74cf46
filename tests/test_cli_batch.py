"""`python -m auditor batch` and `decisions` as a user meets them, in real subprocesses: kill -9 in the middle and
resume, exit codes, the ranked summary, the .jsonl/.csv/.xlsx outputs, and the decisions commands."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

from tests.batch_support import md_reports, pdf_copies, rows, spec, with_row_total_error, write_md

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "fixtures" / "bad"
RECORD_KEYS = {"file", "sha256", "status", "error", "agency", "year", "verdict", "score", "counts", "rules",
               "previous", "seconds"}


def env() -> dict:
    return {**{k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")},
            "PYTHONPATH": str(ROOT)}


def auditor(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd,
                          env=env(), timeout=300)


def count(db: Path, table: str) -> int:
    try:
        connection = sqlite3.connect(db, timeout=5)
        try:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_9_in_the_middle_loses_only_the_files_in_flight_and_the_same_command_resumes(tmp_path):
    pdfs = pdf_copies(tmp_path / "in", 10)
    db = tmp_path / "triage.sqlite"
    command = [sys.executable, "-m", "auditor", "batch", "in", "--db", str(db), "--workers", "2"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while count(db, "audits") < 2:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the batch stored nothing in two minutes"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)  # the batch's own process, as `kill -9 PID` does
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.stderr.close()
    done_before = {r["sha256"]: r["finished_at"] for r in rows(db, "SELECT sha256, finished_at FROM audits")}
    assert 2 <= len(done_before) < 10, "killed after the batch had finished: nothing left to resume"

    resumed = auditor("batch", "in", "--db", str(db), "--workers", "2", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done_before)} 个已有审核结果（不再审核），{10 - len(done_before)} 个待审核" in resumed.stderr
    files = rows(db, "SELECT file, sha256, status FROM files ORDER BY file")
    assert [r["file"] for r in files] == [f"in/{p.name}" for p in pdfs]  # one record per file, none twice
    assert {r["status"] for r in files} == {"audited"}
    audits = {r["sha256"]: r["finished_at"] for r in rows(db, "SELECT sha256, finished_at FROM audits")}
    assert len(audits) == 10
    assert {sha: audits[sha] for sha in done_before} == done_before  # what was stored was not audited again
    assert [r["state"] for r in rows(db, "SELECT state FROM runs ORDER BY id")] == ["interrupted", "finished"]
    assert resumed.stdout.count("in/copy-") == 10 and "通过 10" in resumed.stdout

    finished = auditor("batch", "in", "--db", str(db), "--workers", "2", cwd=tmp_path)
    assert finished.returncode == 0
    assert "10 个已有审核结果（不再审核），0 个待审核" in finished.stderr and "%|" not in finished.stderr  # no bar
    assert count(db, "audits") == 10 and finished.stdout.count("in/copy-") == 10


def test_no_input_found_exits_1_with_a_chinese_message(tmp_path):
    (tmp_path / "empty").mkdir()
    result = auditor("batch", "nope", "empty", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("错误：没有可审核的报告文件（找不到：nope")


def test_unreadable_files_still_exit_0_and_outputs_follow_the_contract(tmp_path):
    md_reports(tmp_path / "in", 2)
    write_md(tmp_path / "in", with_row_total_error(spec(4)), name="worst")
    (tmp_path / "in" / "corrupt.pdf").write_bytes((BAD / "corrupt.pdf").read_bytes())
    for suffix in ("jsonl", "csv", "xlsx"):
        result = auditor("batch", "in", "--out", f"out.{suffix}", "--workers", "2", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("批量审核完成：共 4 份，通过 2，需关注 0，不通过 1，无法审核 1")
    ranked_files = [line.split()[-1] for line in lines[4:]]
    assert ranked_files == ["in/corrupt.pdf", "in/worst.md", "in/report-000.md", "in/report-001.md"]

    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["file"] for r in records] == ranked_files
    assert all(RECORD_KEYS <= set(r) for r in records)
    corrupt, worst = records[0], records[1]
    assert corrupt["status"] == "error" and corrupt["error"]["code"] == "corrupt_file" and corrupt["verdict"] is None
    assert len(corrupt["sha256"]) == 64
    assert worst["status"] == "audited" and worst["error"] is None and worst["verdict"] == "fail"
    assert worst["counts"]["error"] >= 1 and "T3.row_total" in worst["rules"] and worst["previous"] is None

    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel and WPS read the Chinese
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:7] == ["排名", "单位", "年度", "地区", "层级", "审核结论", "评分"]
    assert [row[5] for row in table[1:]] == ["无法审核", "不通过", "通过", "通过"]

    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == ["汇总", "问题清单", "规则统计"]
    summary = book["汇总"]
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref == "A1:P5"
    assert [summary.cell(r, 14).value for r in range(2, 6)] == ranked_files
    findings = book["问题清单"]
    header = [c.value for c in findings[1]]
    row = next(r for r in findings.iter_rows(min_row=2, values_only=True) if r[header.index("规则")] == "T3.row_total")
    assert row[header.index("单元格")] == "表三「（一）予以公开」×「总计」"
    assert row[header.index("复核结论")] == "未复核" and len(row[header.index("问题指纹")]) == 16
    rules = {r[0]: r for r in book["规则统计"].iter_rows(min_row=2, values_only=True)}
    assert rules["T3.row_total"][3] >= 1 and rules["T3.row_total"][4] == 1


def test_an_unknown_output_format_is_refused_before_anything_runs(tmp_path):
    md_reports(tmp_path / "in", 1)
    result = auditor("batch", "in", "--out", "out.pdf", cwd=tmp_path)
    assert result.returncode == 2 and "不支持的格式“.pdf”" in result.stderr
    assert not (tmp_path / "triage.sqlite").exists()


def test_decisions_commands_list_set_and_report_status(tmp_path):
    write_md(tmp_path / "in", with_row_total_error(spec(4)), name="worst")
    assert auditor("batch", "in", "--workers", "1", cwd=tmp_path).returncode == 0
    listed = json.loads(auditor("decisions", "list", "in/worst.md", "--format", "json", cwd=tmp_path).stdout)
    target = next(r for r in listed if r["rule"] == "T3.row_total")
    assert target["state"] == "open" and target["decision"] is None and target["report_status"] == "pending"

    result = auditor("decisions", "set", "in/worst.md", target["fingerprint"][:6], "dismissed", "--note", "系笔误，已更正",
                     "--by", "李四", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith(f"已记录：{target['fingerprint']} 已排除")
    assert auditor("decisions", "status", "in/worst.md", "returned", "--by", "李四", cwd=tmp_path).returncode == 0
    listed = json.loads(auditor("decisions", "list", "--state", "dismissed", "--format", "json", cwd=tmp_path).stdout)
    assert [(r["fingerprint"], r["decision"]["note"], r["decision"]["decided_by"], r["report_status"]) for r in listed] == [
        (target["fingerprint"], "系笔误，已更正", "李四", "returned")]

    missing = auditor("decisions", "set", "in/worst.md", "ffffffff", "confirmed", "--by", "李四", cwd=tmp_path)
    assert missing.returncode == 1 and "没有指纹以“ffffffff”开头的问题" in missing.stderr
    no_one = auditor("decisions", "set", "in/worst.md", target["fingerprint"], "confirmed", "--by", " ", cwd=tmp_path)
    assert no_one.returncode == 1 and "请注明复核人" in no_one.stderr


def test_docx_dir_gets_one_review_per_failed_report(tmp_path):
    import docx

    md_reports(tmp_path / "in", 1)
    write_md(tmp_path / "in", with_row_total_error(spec(4)), name="worst")
    write_md(tmp_path / "in" / "县", with_row_total_error(spec(5)), name="worst")  # the same name in a subfolder
    result = auditor("batch", "in", "--docx-dir", "意见", "--workers", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "已为 2 份不通过的报告写入审核意见" in result.stderr
    written = sorted(p.name for p in (tmp_path / "意见").iterdir())
    assert written == ["worst-2-审核意见.docx", "worst-审核意见.docx"]
    for name in written:
        text = "\n".join(p.text for p in docx.Document(tmp_path / "意见" / name).paragraphs)
        assert "审核意见" in text and "不通过" in text
        cells = [c.text for t in docx.Document(tmp_path / "意见" / name).tables for row in t.rows for c in row.cells]
        assert any("「（一）予以公开」×「总计」" in c for c in cells)
