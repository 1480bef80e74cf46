"""`auditor batch` in LLM mode against the scripted OpenAI-compatible server on 127.0.0.1 (real openai client, real
ChatOpenAI, real corpus index, real worker processes): 429 and 503 answered first are retried after a back-off, the
workers never have more requests in flight than the limit, responses go to the one shared cache, and the cost is
estimated before the run."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from auditor.batch import Store
from auditor.batch.progress import Plan, TerminalProgress
from auditor.config import Settings
from auditor.llm.throttle import Slots, ThrottledTransport, backoff_seconds, retry_after_seconds
from auditor.review.estimate import estimate_llm_review
from tests.batch_support import md_reports
from tests.test_review_server import ANSWERS, scripted
from tests.test_review_support import ScriptedServer, shared_cache_dir, shared_index

ROOT = Path(__file__).resolve().parents[1]


def test_llm_batch_backs_off_on_429_and_503_and_keeps_to_the_concurrency_limit(tmp_path):
    reports = md_reports(tmp_path / "in", 2)
    cache = tmp_path / "cache"
    shared_index()  # the corpus index, built once per test session ...
    shutil.copytree(shared_cache_dir(), cache)  # ... and opened from disk by every worker
    with ScriptedServer(scripted(ANSWERS), fail_first=[429, 503], retry_after="0.2", latency_s=0.15) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": server.base_url,
               "AUDITOR_MODEL": "scripted-model", "AUDITOR_CACHE_DIR": str(cache), "AUDITOR_LLM_RETRIES": "0",
               "AUDITOR_LLM_BACKOFF": "0.05", "AUDITOR_LLM_TIMEOUT": "20"}
        result = subprocess.run([sys.executable, "-m", "auditor", "batch", "in", "--workers", "2", "--llm-concurrency",
                                 "1", "--out", "out.jsonl"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=300)
    assert result.returncode == 0, result.stderr
    settings = Settings(openai_api_key="test-key", model="scripted-model")
    calls, tokens = estimate_llm_review(settings).for_reports(2)
    assert calls == 6 and tokens > 6 * 1000
    assert f"大模型审查预计：至多约 {calls} 次接口调用、约 {tokens:,} 个 token" in result.stderr
    assert "审核方式：大模型辅助审查（模型：scripted-model）" in result.stderr
    assert server.statuses == [429, 503] + [200] * 6  # three sections per report, each answered once at last
    assert server.max_in_flight == 1  # two workers, one request at a time
    assert all(r["body"]["model"] == "scripted-model" for r in server.requests)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["file"] for r in records) == [f"in/{p.name}" for p in reports]
    with Store(tmp_path / "triage.sqlite") as store:
        audits = [store.audit_json(r["file"]) for r in records]
    assert [a["review"]["mode"] for a in audits] == ["llm", "llm"]
    assert all(a["review"]["note"].startswith("大模型审查第一、五、六部分（调用3次，使用缓存0次）") for a in audits)
    assert len(list((cache / "llm").rglob("*.json"))) == 6  # both workers answered into the one shared cache


def test_the_plan_and_the_estimate_are_printed_before_the_run():
    stream = io.StringIO()
    TerminalProgress(stream).plan(Plan(files=12, to_audit=10, reused=1, refused=1, skipped=3, llm_calls=30,
                                       llm_tokens=123456))
    assert stream.getvalue().splitlines()[:2] == [
        "共 12 个文件：1 个已有审核结果（不再审核），10 个待审核，1 个无法读取；另有 3 个非报告文件已跳过。",
        "大模型审查预计：至多约 30 次接口调用、约 123,456 个 token（粗略估计；已缓存的回答不再调用）。"]


# ---------------------------------------------------------------- the transport and its back-off


def test_backoff_doubles_with_jitter_and_honours_retry_after():
    assert [backoff_seconds(a, 1.0, 60.0, retry_after=3.0) for a in range(3)] == [3.0, 3.0, 3.0]
    assert backoff_seconds(0, 1.0, 60.0, retry_after=300.0) == 60.0
    for attempt, ceiling in ((0, 1.0), (1, 2.0), (3, 8.0), (10, 60.0)):
        assert ceiling / 2 <= backoff_seconds(attempt, 1.0, 60.0) <= ceiling
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds(None) is None
    assert 0 <= retry_after_seconds(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 5))) <= 6


def test_transport_gives_up_after_its_retries_and_tells_the_client_not_to_retry(tmp_path):
    waits: list[float] = []
    with ScriptedServer(mode="error", fail_first=[429, 429, 429], retry_after="1") as server:
        transport = ThrottledTransport(Slots(tmp_path / "slots", 1), retries=2, base_s=0.01, cap_s=0.5,
                                       sleep=waits.append)
        with httpx2.Client(transport=transport) as client:
            response = client.post(f"{server.base_url}/chat/completions", json={"model": "m", "messages": []})
    assert response.status_code == 429 and response.headers["x-should-retry"] == "false"
    assert server.statuses == [429, 429, 429] and waits == [0.5, 0.5] and transport.retried == 2
