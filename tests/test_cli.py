"""The command line as a user meets it: `python -m auditor audit FILE`, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
BAOJI = SEEDS / "宝鸡市科学技术局-2024-blanks-and-typo.txt"
XIGONG = SEEDS / "西工区科学技术局-2025-no-total-column.txt"
REPORTS = ROOT / "tests" / "fixtures" / "reports"
CONTRACT_KEYS = {"schema_version", "source", "report", "sections", "tables", "findings", "verdict", "score", "review"}
FINDING_KEYS = {"rule", "severity", "message", "table", "row", "column", "section", "page", "evidence",
                "expected", "actual", "basis", "source"}


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env=env)


def unreachable_endpoint_env() -> dict[str, str]:
    """The environment of a user whose LLM endpoint is down (nothing listens on port 9), with the corpus
    index the review tests build once per session."""
    from tests.test_review_support import shared_cache_dir, shared_index
    shared_index()
    return {**os.environ, "OPENAI_API_KEY": "sk-test-unreachable", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            "AUDITOR_MODEL": "test-model", "AUDITOR_LLM_RETRIES": "0", "AUDITOR_CACHE_DIR": str(shared_cache_dir())}


def test_json_output_follows_the_contract():
    result = run("audit", str(XIGONG), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert CONTRACT_KEYS <= set(data)
    assert data["schema_version"] == "1"
    assert data["source"]["format"] == "txt" and len(data["source"]["sha256"]) == 64
    assert data["report"] == {"agency": "西工区科学技术局", "year": 2025, "title": "西工区科学技术局2025年政府信息公开工作年度报告"}
    assert set(data["sections"]) == set("一二三四五六")
    assert data["sections"]["五"]["present"] is True and data["sections"]["五"]["chars"] > 100
    assert "total" not in data["tables"]["table3"]["new_received"]  # the column the report lacks is absent
    assert data["tables"]["table3"]["withheld_state_secret"]["other_org"] is None
    assert data["tables"]["table4"]["review"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
    assert data["tables"]["table2"]["licensing"] == 2
    assert data["review"]["mode"] == "rules" and data["review"]["model"] is None
    assert data["review"]["requirements_checked"] > 0 and "规则模式" in data["review"]["note"]
    assert data["verdict"] == "fail"
    altered = [f for f in data["findings"] if f["rule"] == "STRUCT.table_altered"]
    assert altered and altered[0]["column"] == "total" and altered[0]["table"] == "table3"
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    detail = data["tables_detail"]["table3"]["cells"]["withheld_state_secret"]["other_org"]
    assert detail["state"] == "unreadable"


def test_chinese_is_not_ascii_escaped():
    result = run("audit", str(BAOJI), "--format", "json")
    assert "宝鸡市科学技术局" in result.stdout


def test_markdown_and_text_formats():
    md = run("audit", str(BAOJI), "--format", "md")
    assert md.returncode == 0
    assert md.stdout.startswith("# 政府信息公开工作年度报告审核意见")
    assert "本年度止件数" in md.stdout and "审核结论" in md.stdout
    text = run("audit", str(BAOJI))
    assert text.returncode == 0
    assert "结论：需关注" in text.stdout and "规则模式" in text.stdout


def test_text_header_says_why_the_review_ran_in_rules_mode():
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUDITOR_MODEL")}
    offline = run("audit", str(BAOJI), env=env).stdout.splitlines()
    assert offline[2] == "叙述审查：规则模式（未使用大模型）。说明：未配置大模型接口（OPENAI_API_KEY），按规则模式审查。"
    failed = run("audit", str(BAOJI), env=unreachable_endpoint_env())
    assert failed.returncode == 0, failed.stderr
    header = failed.stdout.splitlines()[2]
    assert header.startswith("叙述审查：规则模式（未使用大模型）。说明：大模型接口调用失败（"), header
    assert header.endswith("已改用规则模式完成审查。") and "sk-test-unreachable" not in failed.stdout


def test_word_review_is_written_to_the_output_file(tmp_path):
    import docx
    out = tmp_path / "审核意见.docx"
    result = run("audit", str(XIGONG), "--format", "docx", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr.strip() == f"已写入 {out}"
    document = docx.Document(str(out))
    assert document.paragraphs[0].text == "《西工区科学技术局2025年政府信息公开工作年度报告》审核意见"
    assert document.tables[1].rows[1].cells[3].text.startswith("表三缺少「总计」列")


def test_word_review_needs_an_output_file_in_a_folder_that_exists(tmp_path):
    result = run("audit", str(XIGONG), "--format", "docx")
    assert result.returncode == 2 and result.stdout == ""
    assert "Word 格式（--format docx）需要用 -o 指定输出文件" in result.stderr
    out = tmp_path / "没有" / "审核意见.docx"
    result = run("audit", str(XIGONG), "--format", "docx", "-o", str(out))
    assert result.returncode == 1 and result.stderr.strip() == f"错误：无法写入“{out}”：文件夹不存在。"
    result = run("audit", str(XIGONG), "--format", "json", "-o", str(tmp_path / "没有" / "结果.json"))
    assert result.returncode == 1 and json.loads(result.stdout)["error"]["code"] == "output_not_writable"


def test_annotate_writes_the_pdf_beside_the_original(tmp_path):
    from pypdf import PdfReader
    source = tmp_path / "报告.pdf"
    source.write_bytes((REPORTS / "no-total-column.pdf").read_bytes())
    result = run("annotate", str(source))
    out = tmp_path / "报告.annotated.pdf"
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"已写入 {out}：标注 2 项问题"
    pages = PdfReader(out).pages
    assert [len(page.get("/Annots") or []) for page in pages] == [1, 2, 0]
    assert source.read_bytes() == (REPORTS / "no-total-column.pdf").read_bytes()


def test_annotate_says_what_could_not_be_placed(tmp_path):
    out = tmp_path / "标注.pdf"
    result = run("annotate", str(ROOT / "tests" / "fixtures" / "mutations" / "pdf" / "section-five-missing.pdf"),
                 "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"已写入 {out}：标注 0 项问题，另有 1 项无法在页面上定位，已列入第1页的审核结论批注"


@pytest.mark.parametrize("case", ["docx", "same-file", "bad-folder"])
def test_annotate_refuses_what_it_cannot_do_with_a_chinese_message(case, tmp_path):
    source = tmp_path / "报告.pdf"
    source.write_bytes((REPORTS / "standard.pdf").read_bytes())
    args, words = {
        "docx": ([str(REPORTS / "standard.docx"), "-o", str(tmp_path / "x.pdf")], "只能在 PDF 上标注"),
        "same-file": ([str(source), "-o", str(source)], "与原文件相同"),
        "bad-folder": ([str(source), "-o", str(tmp_path / "没有" / "x.pdf")], "文件夹不存在"),
    }[case]
    result = run("annotate", *args)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("错误：") and words in result.stderr
    assert source.read_bytes() == (REPORTS / "standard.pdf").read_bytes()


def test_output_file(tmp_path):
    out = tmp_path / "result.json"
    result = run("audit", str(BAOJI), "--format", "json", "-o", str(out))
    assert result.returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["report"]["year"] == 2024


def _bad_inputs(tmp_path: Path) -> list[tuple[Path, str, str]]:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    notice = tmp_path / "会议通知.txt"
    notice.write_text("关于召开2025年度工作会议的通知\n\n各科室：\n\n定于下周一上午九时召开全体会议，请准时参加。\n", encoding="utf-8")
    excel = tmp_path / "表格.xlsx"
    excel.write_bytes(b"PK\x03\x04" + bytes(100))
    doc = tmp_path / "旧版.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    unknown = tmp_path / "report.xyz"
    unknown.write_text("年度报告", encoding="utf-8")
    return [
        (tmp_path / "missing.pdf", "file_not_found", "找不到文件"),
        (empty, "empty_file", "空文件"),
        (notice, "not_a_report", "不是年度报告"),
        (excel, "unsupported_format", "不是 Word"),
        (doc, "unsupported_format", "旧版 Word"),
        (unknown, "unsupported_format", "不支持的文件类型"),
        (tmp_path, "file_not_found", "不是文件"),
    ]


@pytest.mark.parametrize("case", range(7))
def test_bad_input_gets_a_chinese_message_and_nonzero_exit(case, tmp_path):
    path, code, words = _bad_inputs(tmp_path)[case]
    result = run("audit", str(path), "--format", "json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == code
    assert words in error["message"]
    assert result.stderr.startswith("错误：")
    text = run("audit", str(path))
    assert text.returncode == 1 and text.stdout == "" and words in text.stderr


def test_oversize_file_is_refused_before_reading(tmp_path):
    from auditor.config import Settings
    from auditor.errors import FileTooLarge
    from auditor.ingest import load_document
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 2048)
    with pytest.raises(FileTooLarge) as caught:
        load_document(path, Settings(max_file_bytes=1024))
    assert "超过上限" in caught.value.message


# ---------------------------------------------------------------- chat: ask and chat


def run_chat(*args: str, tmp_path: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m auditor` with no LLM endpoint configured and a private cache."""
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["AUDITOR_CACHE_DIR"] = str(tmp_path / "cache")
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=180, input=stdin, env=env)


def test_ask_prints_the_chat_json_contract(tmp_path):
    result = run_chat("ask", str(BAOJI), "上年结转多少件？", "--format", "json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert {k: answer[k] for k in ("schema_version", "question", "mode", "model")} == {
        "schema_version": "1", "question": "上年结转多少件？", "mode": "rules", "model": None}
    assert "空白" in answer["answer"]
    assert answer["citations"] == [{"kind": "cell", "table": "table3", "row": "carried_over", "column": "total",
                                    "page": None, "value": None, "raw": "", "state": "blank",
                                    "label": "表三「二、上年结转政府信息公开申请数量」×「总计」"}]


def test_ask_in_text_and_a_bad_file(tmp_path):
    text = run_chat("ask", str(XIGONG), "行政许可多少件？", tmp_path=tmp_path)
    assert text.returncode == 0
    assert text.stdout.splitlines()[:3] == ["表二「行政许可」为2件。", "引用：", "  [1] 表格 表二「行政许可」 = 2"]
    missing = run_chat("ask", str(tmp_path / "无此文件.pdf"), "本年新收多少？", "--format", "json", tmp_path=tmp_path)
    assert missing.returncode == 1 and json.loads(missing.stdout)["error"]["code"] == "file_not_found"
    forced = run_chat("ask", str(XIGONG), "行政许可多少件？", "--mode", "llm", tmp_path=tmp_path)
    assert forced.returncode == 1 and "未配置大模型接口" in forced.stderr


def test_chat_keeps_the_conversation_for_follow_ups(tmp_path):
    result = run_chat("chat", str(BAOJI), tmp_path=tmp_path,
                      stdin="本年新收申请多少件？\n那自然人呢？\n有没有说明信息处理费？\n退出\n")
    assert result.returncode == 0, result.stderr
    assert "规则模式" in result.stdout
    answers = [line for line in result.stdout.split("答：")[1:]]
    assert len(answers) == 3
    assert answers[0].startswith("表三「一、本年新收政府信息公开申请数量」×「总计」为1件。")
    assert answers[1].startswith("表三「一、本年新收政府信息公开申请数量」×「自然人」为1件。")
    assert "宝鸡市科学技术局无收取政府信息公开信息处理费等情况。" in answers[2]


def test_a_bug_while_auditing_or_answering_is_a_chinese_message_with_exit_code_3(monkeypatch):
    from click.testing import CliRunner

    import auditor.chat
    import auditor.pipeline
    from auditor.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    runner = CliRunner()
    monkeypatch.setattr(auditor.pipeline, "audit_file", broken)
    audited = runner.invoke(main, ["audit", str(XIGONG), "--format", "json"])
    assert audited.exit_code == 3
    assert json.loads(audited.stdout)["error"]["code"] == "internal_error"
    assert f"审核“{XIGONG}”时发生内部错误（RuntimeError: boom）；请使用 --debug 重试并将输出与文件一并反馈给开发者。" in audited.stderr
    assert isinstance(runner.invoke(main, ["audit", str(XIGONG), "--debug"]).exception, RuntimeError)

    monkeypatch.undo()
    monkeypatch.setattr(auditor.chat.Conversation, "ask", broken)
    asked = runner.invoke(main, ["ask", str(XIGONG), "本年新收多少件？"])
    assert asked.exit_code == 3
    assert "的问题时发生内部错误（RuntimeError: boom）；请使用 --debug 重试并将问题与文件一并反馈给开发者。" in asked.stderr
