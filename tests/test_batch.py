"""The batch engine (auditor/batch) against each promise of spec/batch.md: one record per input file with the
verdicts of single audits, resume without re-auditing, zip safety, timeouts, crashes and memory isolation,
pairing of consecutive years, roster coverage, and reviewers' decisions carried over and reopened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.batch import BatchOptions, Store, decide, finding_states, run_batch, set_report_status
from auditor.batch.archive import decoded_name
from auditor.batch.fingerprints import body_key, finding_fingerprint
from auditor.batch.roster import FAILED, MISSING, SUBMITTED, UNREADABLE, parse_roster
from auditor.errors import NoInput
from auditor.pipeline import audit_file
from auditor.present.json_report import result_to_dict
from tests.batch_doubles import misbehaving_audit
from tests.batch_support import (REPORTS, agency, md_reports, rows, settings_for, spec, with_row_total_error,
                                 write_md, zip_of)

BAD = Path(__file__).parent / "fixtures" / "bad"


def batch(inputs, tmp_path: Path, db: Path | None = None, workers: int = 2, **settings_overrides):
    audit = settings_overrides.pop("audit", audit_file)
    options = BatchOptions(workers=workers, roster=settings_overrides.pop("roster", None),
                           retry_failed=settings_overrides.pop("retry_failed", False))
    settings = settings_for(tmp_path, **settings_overrides)
    with Store(db or tmp_path / "triage.sqlite") as store:
        return run_batch([str(i) for i in inputs], store, settings, result_to_dict, options, audit=audit)


def by_file(run) -> dict:
    return {r.file: r for r in run.records}


# ---------------------------------------------------------------- inputs, records, resume


def test_files_folders_and_zips_give_one_record_each_with_the_verdicts_of_single_audits(tmp_path):
    folder = tmp_path / "in"
    reports = md_reports(folder / "县级", 3)
    bad = write_md(folder, with_row_total_error(spec(7)), name="has-error")
    (folder / "说明.png").write_bytes(b"\x89PNG not a report")
    archive = zip_of(tmp_path / "乡镇.zip", {"乡镇/a.md": reports[0].read_bytes() + "\n附：本报告同时在政府网站发布。\n".encode(),
                                              "乡镇/b.html": (REPORTS / "no-total-column.html").read_bytes(),
                                              "乡镇/readme.xlsx": b"PK"})
    single = REPORTS / "typos-and-blanks.pdf"
    run = batch([folder, archive, single, BAD / "corrupt.pdf"], tmp_path)
    records = by_file(run)
    assert sorted(records) == sorted([str(p) for p in (*reports, bad)] + [
        f"{archive}/乡镇/a.md", f"{archive}/乡镇/b.html", str(single), str(BAD / "corrupt.pdf")])
    assert run.skipped == [str(folder / "说明.png"), f"{archive}/乡镇/readme.xlsx"]
    for path in (*reports, bad, single):
        expected = audit_file(path)
        record = records[str(path)]
        assert (record.status, record.agency, record.year, record.verdict, record.score) == (
            "audited", expected.report.agency, expected.report.year, expected.verdict, expected.score)
        assert record.rules == list(dict.fromkeys(f.rule for f in expected.findings))
        assert record.counts == {s: sum(f.severity.value == s for f in expected.findings)
                                 for s in ("error", "warning", "info")}
    assert records[str(bad)].verdict == "fail" and "T3.row_total" in records[str(bad)].rules
    member = records[f"{archive}/乡镇/b.html"]
    single_html = audit_file(REPORTS / "no-total-column.html")
    assert (member.verdict, member.score, member.rules) == (single_html.verdict, single_html.score,
                                                            ["STRUCT.table_altered"])
    stored = json.loads(rows(tmp_path / "triage.sqlite", "SELECT audit_json FROM audits WHERE sha256 = ?",
                             member.sha256)[0][0])
    assert stored["source"]["path"] == f"{archive}/乡镇/b.html"  # the member as the user knows it, not a temp file
    assert records[str(BAD / "corrupt.pdf")].error["code"] == "corrupt_file"
    assert records[str(BAD / "corrupt.pdf")].verdict is None


def test_a_rerun_audits_nothing_and_a_changed_file_alone_is_audited_again(tmp_path):
    reports = md_reports(tmp_path / "in", 4)
    first = batch([tmp_path / "in"], tmp_path)
    assert (first.audited, first.reused) == (4, 0)
    again = batch([tmp_path / "in"], tmp_path)
    assert (again.audited, again.reused) == (0, 4)
    assert [r.to_json() for r in again.records] == [r.to_json() for r in first.records]
    reports[2].write_text(reports[2].read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    changed = batch([tmp_path / "in"], tmp_path)
    assert (changed.audited, changed.reused) == (1, 3)
    db = tmp_path / "triage.sqlite"
    assert len(rows(db, "SELECT * FROM files")) == 4 and len(rows(db, "SELECT * FROM audits")) == 5
    assert [r["state"] for r in rows(db, "SELECT state FROM runs ORDER BY id")] == ["finished"] * 3


def test_identical_bytes_under_two_names_are_audited_once(tmp_path):
    report = md_reports(tmp_path / "a", 1)[0]
    twin = tmp_path / "b" / "twin.md"
    twin.parent.mkdir()
    twin.write_bytes(report.read_bytes())
    run = batch([report, twin], tmp_path)
    assert run.audited == 1 and [r.verdict for r in run.records] == ["pass", "pass"]


def test_no_input_at_all_raises(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoInput, match="没有可审核的报告文件"):
        batch([tmp_path / "empty", tmp_path / "nope.pdf"], tmp_path)


# ---------------------------------------------------------------- zip safety


def test_hostile_zip_members_are_refused_and_never_extracted(tmp_path):
    good = md_reports(tmp_path / "src", 1)[0].read_bytes()
    archive = zip_of(tmp_path / "hostile.zip", {
        "ok/report.md": good,
        "../escape.md": good,
        "/etc/absolute.md": good,
        "C:/windows/drive.md": good,
        "ok/locked.md": good,
        "ok/bomb.md": b"0" * (3 * 1024 * 1024),
    }, encrypted={"ok/locked.md"})
    before = set(tmp_path.rglob("*"))
    run = batch([archive], tmp_path)
    codes = {r.file.split("hostile.zip/")[1]: (r.error or {}).get("code") for r in run.records}
    assert codes == {"ok/report.md": None, "../escape.md": "unsafe_path", "/etc/absolute.md": "unsafe_path",
                     "C:/windows/drive.md": "unsafe_path", "ok/locked.md": "encrypted_member",
                     "ok/bomb.md": "archive_bomb"}
    assert "路径指向压缩包之外" in by_file(run)[f"{archive}/../escape.md"].error["message"]
    created = {p for p in set(tmp_path.rglob("*")) - before if not p.name.startswith("triage.sqlite")}
    assert not any(p.name in ("escape.md", "absolute.md", "drive.md", "bomb.md", "locked.md") for p in created)
    assert not (tmp_path / "escape.md").exists()


def test_archive_over_the_total_size_or_member_count_cap_is_one_error_record(tmp_path):
    members = {f"r{i}.md": b"x" * 2000 for i in range(5)}
    big = zip_of(tmp_path / "big.zip", members)
    many = zip_of(tmp_path / "many.zip", members)
    run = batch([big], tmp_path, zip_max_total_bytes=9000)
    assert [(r.file, r.error["code"]) for r in run.records] == [(str(big), "archive_bomb")]
    run = batch([many], tmp_path, zip_max_members=4)
    assert [(r.file, r.error["code"]) for r in run.records] == [(str(many), "too_many_members")]
    assert "超过上限 4 个" in run.records[0].error["message"]


def test_zip_names_written_by_chinese_windows_are_read_as_gbk():
    import zipfile
    info = zipfile.ZipInfo("x")
    info.filename = "报告/东湖市财政局.md".encode("gbk").decode("cp437")
    assert decoded_name(info) == "报告/东湖市财政局.md"


# ---------------------------------------------------------------- isolation: timeout, crash, memory


def test_a_hanging_a_crashing_and_a_memory_hungry_file_become_error_records(tmp_path):
    folder = tmp_path / "in"
    good = md_reports(folder, 3)
    for i, name in enumerate(("hang", "crash", "hog")):
        write_md(folder, spec(9 + i), name=name)
    run = batch([folder], tmp_path, audit=misbehaving_audit, batch_timeout_s=3.0, batch_max_memory_mb=1024)
    records = by_file(run)
    assert {Path(f).stem: (r.error or {}).get("code") for f, r in records.items()} == {
        "hang": "timeout", "crash": "worker_crashed", "hog": "out_of_memory",
        **{p.stem: None for p in good}}
    assert "超过时间上限（3 秒）" in records[str(folder / "hang.md")].error["message"]
    assert "退出码 -11" in records[str(folder / "crash.md")].error["message"]
    assert "1024 MB" in records[str(folder / "hog.md")].error["message"]
    for path in good:
        assert records[str(path)].verdict == audit_file(path).verdict
    # stored like any result: a re-run does not wait for it again, unless asked to retry what the machinery failed
    again = batch([folder / "hang.md"], tmp_path, audit=misbehaving_audit, batch_timeout_s=1.0)
    assert again.audited == 0 and "（3 秒）" in again.records[0].error["message"]
    retried = batch([folder / "hang.md"], tmp_path, audit=misbehaving_audit, batch_timeout_s=1.0, retry_failed=True)
    assert retried.audited == 1 and "（1 秒）" in retried.records[0].error["message"]


def test_a_pdf_gets_more_time_per_page_so_a_long_scan_is_not_cut_off(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "slow.pdf").write_bytes((REPORTS / "standard.pdf").read_bytes())  # 3 pages: 1 + 3 × 1.5 = 5.5 s
    write_md(folder, spec(3), name="slow")  # no pages: 1 s
    other_bytes = (REPORTS / "standard.pdf").read_bytes() + b"\n%another copy\n"  # not deduplicated with slow.pdf
    archive = zip_of(tmp_path / "扫描件.zip", {"slow-member.pdf": other_bytes})
    run = batch([folder, archive, BAD / "encrypted.pdf"], tmp_path, audit=misbehaving_audit, batch_timeout_s=1.0,
                batch_page_timeout_s=1.5)
    records = by_file(run)
    assert records[str(folder / "slow.pdf")].status == "audited"
    assert records[f"{archive}/slow-member.pdf"].status == "audited"
    assert "超过时间上限（1 秒）" in records[str(folder / "slow.md")].error["message"]
    assert records[str(BAD / "encrypted.pdf")].error["code"] == "encrypted_pdf"  # no page count: the audit says why


# ---------------------------------------------------------------- pairing and roster


def test_consecutive_years_of_one_body_are_paired_and_the_cross_year_rules_run(tmp_path):
    folder = tmp_path / "in"
    spaced = agency(1)[:3] + " " + agency(1)[3:]  # “西山市 财政局”: the same body, spelt with a space
    earlier = write_md(folder, spec(1, 2023, agency=spaced), name="2023")
    later = write_md(folder, spec(1, 2024), name="2024")
    other = write_md(folder, spec(2, 2024), name="other")
    run = batch([folder], tmp_path)
    records = by_file(run)
    paired = records[str(later)]
    assert paired.previous == str(earlier)
    assert records[str(earlier)].previous is None and records[str(other)].previous is None
    single = audit_file(later, previous=earlier)
    assert {"X.carry_over", "X.in_force"} <= {f.rule for f in single.findings}
    assert (paired.verdict, paired.score, paired.rules) == (
        single.verdict, single.score, list(dict.fromkeys(f.rule for f in single.findings)))
    assert run.audited == 4  # three reports, then the later one again with the earlier
    again = batch([folder], tmp_path)
    assert again.audited == 0 and by_file(again)[str(later)].previous == str(earlier)


def test_roster_coverage_finds_missing_failed_unreadable_and_unlisted_reports(tmp_path):
    folder = tmp_path / "in"
    write_md(folder, spec(0, 2024))
    write_md(folder, with_row_total_error(spec(1, 2024)))
    write_md(folder, spec(2, 2024))  # not on the roster
    (folder / f"{agency(3)}2024年年报.pdf").write_bytes(b"%PDF-1.4 broken")
    roster = tmp_path / "名单.csv"
    roster.write_bytes(("单位名称,地区,层级\n" + "\n".join(f"{agency(i)},示例{i % 2}区,县级" for i in (0, 1, 3, 4))
                        + "\n").encode("gbk"))
    run = batch([folder], tmp_path, roster=roster)
    cells = {entry.name: cells[2024][0] for entry, cells in run.coverage.rows}
    assert cells == {agency(0): SUBMITTED, agency(1): FAILED, agency(3): UNREADABLE, agency(4): MISSING}
    assert run.coverage.unmatched == [str(folder / "report-002.md")]
    assert [(r.region, r.level) for r in run.records if r.agency == agency(1)] == [("示例1区", "县级")]


def test_roster_csv_without_header_and_body_names_compared_without_spaces():
    entries = parse_roster("东湖市 财政局,东湖,市级\n西山市教育局,西山,县级\n".encode("utf-8-sig"))
    assert [(e.name, e.region, e.level) for e in entries] == [("东湖市 财政局", "东湖", "市级"), ("西山市教育局", "西山", "县级")]
    assert entries[0].key == body_key("东湖市财政局")


# ---------------------------------------------------------------- decisions


def test_decisions_are_carried_over_to_a_new_version_and_reopened_when_the_values_change(tmp_path):
    folder = tmp_path / "in"
    report = with_row_total_error(spec(5))
    path = write_md(folder, report, name="东湖")
    db = tmp_path / "triage.sqlite"
    run = batch([folder], tmp_path, db)
    file = run.records[0].file
    with Store(db) as store:
        audit = store.audit_json(file)
        target = next(f for f in audit["findings"] if f["rule"] == "T3.row_total")
        state = decide(store, file, finding_fingerprint(target)[:8], "confirmed", "已电话核实", "张三")
        assert state.state == "confirmed" and state.decision["decided_by"] == "张三"
        set_report_status(store, file, "returned", "请整改表三", "张三")

    # a new version of the same report (another sentence, same numbers): the decision holds
    path.write_text(path.read_text(encoding="utf-8") + "\n本报告电子版可在政府网站下载。\n", encoding="utf-8")
    run = batch([folder], tmp_path, db)
    assert run.audited == 1 and run.records[0].report_status == "returned"
    with Store(db) as store:
        states = finding_states(store, run.records[0].report_key, store.audit_json(file)["findings"])
    carried = [s for s in states if s.finding["rule"] == "T3.row_total"]
    assert [(s.state, s.decision["note"]) for s in carried] == [("confirmed", "已电话核实")]
    assert {s.state for s in states if s.finding["rule"] != "T3.row_total"} == {"open"}

    # the body corrects the wrong cell the wrong way: the values change, the decision is reopened
    report.table3["disclosed"]["natural_person"] += 3
    write_md(folder, report, name="东湖")
    run = batch([folder], tmp_path, db)
    with Store(db) as store:
        states = finding_states(store, run.records[0].report_key, store.audit_json(file)["findings"])
    reopened = [s for s in states if s.finding["rule"] == "T3.row_total"]
    assert [(s.state, s.decision["decision"], s.decision["note"]) for s in reopened] == [
        ("reopened", "confirmed", "已电话核实")]
    assert len(rows(db, "SELECT * FROM decision_log")) == 1
