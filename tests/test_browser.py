"""End to end in a real browser: `streamlit run app.py` on 127.0.0.1, Debian's chromium driven by Playwright.

A person uploads a seed-style PDF (表三 without its 总计 column, 表四 with 14 cells) and must see the
verdict, the findings with their clauses, the highlighted cells of the official-form tables and the
page image with the evidence boxed, and can download the JSON, the workbook, the Word 审核意见 and the
annotated PDF. The screenshot is kept for a human to look at (its path is printed; set
AUDITOR_SCREENSHOT_DIR to choose the folder).

CI installs chromium (.ci/run); locally the test is skipped only when chromium or playwright is missing.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FIXTURE = ROOT / "tests" / "fixtures" / "reports" / "no-total-column.pdf"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} not found (Debian: apt-get install chromium; CI installs it)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_cache(tmp_path_factory) -> Path:
    """The app's cache folder (AUDITOR_CACHE_DIR): its triage database and the batch's log live there."""
    return tmp_path_factory.mktemp("app-cache")


@pytest.fixture(scope="module")
def server(tmp_path_factory, app_cache):
    """The app served on 127.0.0.1:PORT, its triage database in a temporary folder; stopped by its process id."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["AUDITOR_CACHE_DIR"] = str(app_cache)
    env["PYTHONPATH"] = str(ROOT)
    # the server's output goes to a file: an unread pipe fills up and blocks the server once it logs 64 KiB
    log_path = tmp_path_factory.mktemp("app-log") / "streamlit.log"
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")
                pytest.fail(f"streamlit did not become healthy at {url}: {output[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        print(f"streamlit log: {log_path}")


@pytest.fixture()
def screenshot_dir(tmp_path_factory) -> Path:
    chosen = os.environ.get("AUDITOR_SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def _patient_assertions():
    """Assertions wait up to 30 s (not Playwright's 5 s): on a loaded 2-core machine a rerun can take seconds."""
    playwright_api.expect.set_options(timeout=30_000)
    yield
    playwright_api.expect.set_options(timeout=5_000)


def _wait_for_app_run(page) -> None:
    """Until the script run that the last action started has finished (Streamlit's own end-to-end tests wait on
    the same attribute), so that a click is not sent before the app has the upload it belongs to."""
    page.wait_for_timeout(500)
    playwright_api.expect(page.locator("[data-testid=stApp]")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000)


@contextmanager
def _app_page(url: str, height: int = 3000):
    """A chromium page (Chinese locale) on the app at `url`, nothing else reachable; closed with its browser."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": height}, locale="zh-CN")
            page.route("**/*", _local_only)
            page.goto(url)
            yield page
        finally:
            browser.close()


def _local_only(route) -> None:
    """Nothing leaves the machine: requests to anything but the app's own server are aborted."""
    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def test_upload_a_pdf_and_see_verdict_findings_highlighted_cells_and_boxed_evidence(server, screenshot_dir):
    expect = playwright_api.expect
    with _app_page(server) as page:
        expect(page.get_by_role("heading", name="政府信息公开工作年度报告审核")).to_be_visible(timeout=60_000)
        page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(FIXTURE))

        verdict = page.get_by_text("审核结论：", exact=False).first
        expect(verdict).to_contain_text("不通过", timeout=60_000)
        expect(verdict).to_contain_text("错误 2 项")
        expect(page.get_by_text("审核完成：读取文件")).to_be_visible()
        expect(page.get_by_text("叙述部分审查：规则模式（未使用大模型）", exact=False)).to_be_visible()

        # the findings, each with its message and its clause
        expect(page.get_by_text("1. 表三缺少「总计」列，表格结构与年报格式不一致，相关勾稽关系无法完整校验。")).to_be_visible()
        expect(page.get_by_text("2. 表四缺少「复议后起诉」×「总计」单元格", exact=False)).to_be_visible()
        expect(page.get_by_text("依据：年报格式（国办公开办函〔2021〕30号）附件", exact=False)).to_have_count(2)

        # the evidence: the page image with the table boxed
        image = page.locator("[data-testid=stImage] img").first
        expect(image).to_be_visible(timeout=60_000)  # the page image is rendered after the findings
        page.wait_for_function("img => img.complete && img.naturalWidth > 300", arg=image.element_handle())
        expect(page.get_by_text("原文第2页（局部），红框为问题所在的表格")).to_be_visible()

        # the official-form tables: 表三 opens first (it has the first error), its missing 总计 column marked
        table3 = page.locator('table[data-table="table3"]')
        expect(table3).to_be_visible()
        expect(table3.locator("td.sev-error", has_text="总计（缺）")).to_have_count(1)
        expect(table3.locator("td", has_text="一、本年新收政府信息公开申请数量")).to_be_visible()
        page.get_by_role("tab", name="表四（1项问题）").click()
        missing = page.locator('table[data-table="table4"] td.sev-error[data-cell="litigation_after_review.total"]')
        expect(missing).to_be_visible()
        expect(missing).to_have_text("（缺）")
        assert missing.evaluate("td => getComputedStyle(td).backgroundColor") == "rgb(248, 215, 218)"
        page.get_by_role("tab", name="表三（1项问题）").click()
        expect(table3).to_be_visible()

        # the downloads are built when clicked: the JSON contract and a workbook Excel/WPS can open
        with page.expect_download() as download:
            page.get_by_role("button", name="下载 JSON").click()
        assert download.value.suggested_filename == "no-total-column-审核结果.json"
        data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert (data["verdict"], data["source"]["path"]) == ("fail", "no-total-column.pdf")
        assert [f["rule"] for f in data["findings"]] == ["STRUCT.table_altered", "STRUCT.table_altered"]
        with page.expect_download() as download:
            page.get_by_role("button", name="下载 Excel 工作簿").click()
        assert download.value.suggested_filename == "no-total-column-审核结果.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert book.sheetnames == ["概要", "问题清单", "表二", "表三", "表四"]
        assert book["问题清单"]["E2"].value.startswith("表三缺少「总计」列")
        # the Word 审核意见 a reviewer sends back, opened with python-docx
        with page.expect_download() as download:
            page.get_by_role("button", name="下载审核意见（Word）").click()
        assert download.value.suggested_filename == "no-total-column-审核意见.docx"
        review = docx.Document(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert review.paragraphs[0].text == "《示例区住房和城乡建设局2025年政府信息公开工作年度报告》审核意见"
        rows = [[cell.text for cell in row.cells] for row in review.tables[1].rows]
        assert [row[1] for row in rows[1:]] == ["错误", "错误"]
        assert rows[1][3] == "表三缺少「总计」列，表格结构与年报格式不一致，相关勾稽关系无法完整校验。"
        assert review.sections[0].footer.paragraphs[0].text == "第 1 页，共 1 页"
        # the PDF as received, with the findings as annotations
        with page.expect_download() as download:
            page.get_by_role("button", name="下载标注版 PDF").click()
        assert download.value.suggested_filename == "no-total-column-标注版.pdf"
        marked = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert [[a.get_object()["/Subtype"] for a in p.get("/Annots") or []] for p in marked.pages] == [
            ["/Text"], ["/Square", "/Square"], []]

        page.wait_for_timeout(500)  # let the last paint settle before the picture
        shot = screenshot_dir / "audit-no-total-column.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 50_000
        print(f"screenshot: {shot}")


def test_ask_about_the_report_and_see_the_answer_and_its_cited_cell(server, screenshot_dir):
    expect = playwright_api.expect
    with _app_page(server, height=2400) as page:
        expect(page.get_by_role("heading", name="政府信息公开工作年度报告审核")).to_be_visible(timeout=60_000)
        page.get_by_text("使用示例报告", exact=True).click()
        expect(page.get_by_text("审核结论：", exact=False).first).to_contain_text("通过", timeout=60_000)
        expect(page.get_by_role("heading", name="就本报告提问")).to_be_visible()

        box = page.get_by_placeholder("就本报告提问，例如：本年新收申请多少件？")
        box.fill("本年新收申请多少件？")
        box.press("Enter")
        answer = page.locator("[data-testid=stChatMessage]").filter(has_text="931件")
        expect(answer).to_have_count(1, timeout=60_000)
        expect(answer).to_contain_text("表三「一、本年新收政府信息公开申请数量」×「总计」为931件（第2页）")

        chip = page.get_by_role("radio", name="表三「一、本年新收政府信息公开申请数量」×「总计」 = 931")
        expect(chip).to_be_visible()
        chip.click()
        cited = page.locator('td.cited[data-cell="new_received.total"]')
        expect(cited).to_be_visible(timeout=30_000)
        expect(cited).to_have_text("931")
        assert cited.evaluate("td => getComputedStyle(td).backgroundColor") == "rgb(231, 240, 255)"

        page.wait_for_timeout(300)
        shot = screenshot_dir / "chat-sample.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")


def test_triage_upload_a_zip_rank_it_and_open_a_report_with_its_decision_buttons(server, app_cache, screenshot_dir,
                                                                                  tmp_path):
    from tests.batch_support import spec, with_row_total_error, write_md, zip_of

    expect = playwright_api.expect
    archive = zip_of(tmp_path / "报告.zip", {
        "县/worst.md": write_md(tmp_path / "src", with_row_total_error(spec(1)), name="worst").read_bytes(),
        "县/good.md": write_md(tmp_path / "src", spec(2), name="good").read_bytes(),
        "县/no-total-column.pdf": FIXTURE.read_bytes()})
    with _app_page(f"{server}/triage") as page:
        expect(page.get_by_role("heading", name="批量审核与分诊")).to_be_visible(timeout=60_000)
        reports = page.get_by_role("region", name="上传年度报告或压缩包（可多选）")  # not the roster's uploader
        reports.locator("input[type=file]").set_input_files(str(archive))
        # the app has the upload once it names it under the uploader: only then may the button be clicked
        expect(page.get_by_text("已选择 1 个文件（共 0.1 MB）：报告.zip")).to_be_visible(timeout=60_000)
        _wait_for_app_run(page)
        page.get_by_role("button", name="开始批量审核").click()
        expect(page.get_by_text("已开始批量审核", exact=False)).to_be_visible(timeout=60_000)

        # results arrive while the background batch runs; the page refreshes itself
        try:
            expect(page.get_by_text("审核结果（问题最多的在前，显示 3/3 份）")).to_be_visible(timeout=180_000)
        except AssertionError:
            logs = sorted(app_cache.rglob("*.log"))
            print("\n".join(f"== {log}\n{log.read_text(errors='replace')[-3000:]}" for log in logs))
            raise
        expect(page.locator("[data-testid=stDataFrame]")).to_be_visible(timeout=60_000)

        # open the worst report from the list under the table
        page.locator("[data-testid=stSelectbox]").filter(has_text="打开报告").click()
        page.get_by_role("option", name="worst", exact=False).click()
        verdict = page.get_by_text("审核结论：", exact=False).first
        expect(verdict).to_contain_text("不通过", timeout=60_000)
        expect(page.get_by_role("button", name="确认问题").first).to_be_visible()
        expect(page.locator('table[data-table="table3"]')).to_be_visible()

        page.wait_for_timeout(500)
        shot = screenshot_dir / "triage-worst.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 50_000
        print(f"screenshot: {shot}")
