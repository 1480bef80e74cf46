"""Batch benchmark: prints a table of figures (not a test; nothing here passes or fails).

Generates N reports (default 500) mixing PDF, DOCX and HTML (HTML rendered for distinct bodies with their own
numbers; DOCX and PDF from the six fixture layouts, see `generate`) into benchmarks/out/, then
runs `python -m auditor batch` on them in rules mode as a user would, with a fresh database, and reports:
reports per minute (wall clock, start-up included), p50/p95 seconds per report (time in the worker), the peak RSS
of the worker processes (sampled every 0.2 s; also after each quarter of the run, to show it stays flat), and the
time to re-run the finished batch (resume: every file hashed and found in the database).

Usage: python benchmarks/batch.py [--reports N] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "batch"
sys.path.insert(0, str(ROOT))

FORMATS = ("pdf", "docx", "html")


def _docx_for(source: Path, agency: str, old_agency: str) -> bytes:
    """The fixture DOCX with its agency's name replaced in the document text (a distinct report, same layout)."""
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(old_agency.encode(), agency.encode())
            copy.writestr(info, data)
    return buffer.getvalue()


def generate(count: int) -> Path:
    """benchmarks/out/batch/inputs-N: `count` reports, a third of each format (kept between runs).

    HTML is rendered from specs of distinct bodies with their own numbers; DOCX are the six fixture DOCX
    layouts with another body's name written in; the PDFs are the six fixture PDFs (one page to 表三 over three
    pages) with a distinct trailer, because rendering hundreds of CJK PDFs and DOCX takes longer than auditing
    them. Every file has bytes of its own, so every one is audited."""
    from tests.batch_support import agency
    from tests.fixtures.builder import render_html
    from tests.fixtures.builder.spec import FIXTURES, make_spec
    folder = OUT / f"inputs-{count}"
    if folder.is_dir() and len(list(folder.iterdir())) == count:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    reports = ROOT / "tests" / "fixtures" / "reports"
    start = time.perf_counter()
    for i in range(count):
        fmt = FORMATS[i % len(FORMATS)]
        name = f"{i:04d}-{fmt}"
        body = f"{agency(i)}{'' if i < 96 else i // 96}"
        fixture = FIXTURES[(i // 3) % len(FIXTURES)]
        if fmt == "pdf":
            (folder / f"{name}.pdf").write_bytes((reports / f"{fixture.name}.pdf").read_bytes()
                                                 + f"\n% copy {i}\n".encode())
        elif fmt == "docx":
            (folder / f"{name}.docx").write_bytes(_docx_for(reports / f"{fixture.name}.docx", body, fixture.agency))
        else:
            render_html.render(make_spec(name, 5000 + i, body, 2024, 150 + (i * 37) % 2500), folder)
    print(f"generated {count} reports in {time.perf_counter() - start:.0f} s into {folder.relative_to(ROOT)}", flush=True)
    return folder


def _descendants_rss(pid: int) -> dict[int, int]:
    import psutil
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return {}
    rss = {}
    for child in children:
        try:
            rss[child.pid] = child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return rss


def run_batch(folder: Path, db: Path, workers: int) -> tuple[float, int, list[float]]:
    """(wall seconds, peak worker RSS in bytes, peak worker RSS at each quarter of the run)."""
    command = [sys.executable, "-m", "auditor", "batch", str(folder), "--db", str(db), "--workers", str(workers)]
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, quarters, stop = [0], [], threading.Event()
    total = len(list(folder.iterdir()))

    def sample() -> None:
        window = 0
        while not stop.wait(0.2):
            rss = _descendants_rss(process.pid)
            workers_rss = sorted(rss.values())[-workers:] if rss else []  # the workers, not the fork server
            window = max([window, *workers_rss])
            peak[0] = max(peak[0], window)
            done = _audits(db)
            if done >= total * (len(quarters) + 1) / 4 and len(quarters) < 4:
                quarters.append(window)
                window = 0

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    process.wait()
    stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"batch failed with exit code {process.returncode}")
    return time.perf_counter() - start, peak[0], quarters


def _audits(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return connection.execute("SELECT count(*) FROM audits").fetchone()[0]
    except sqlite3.Error:
        return 0


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    folder = generate(args.reports)
    db = OUT / f"bench-{args.reports}.sqlite"
    for path in OUT.glob(f"bench-{args.reports}.sqlite*"):
        path.unlink()

    wall, peak, quarters = run_batch(folder, db, args.workers)
    load = os.getloadavg()
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT f.file, a.seconds, a.status FROM files f JOIN audits a ON a.sha256 = f.sha256 "
                                  "AND a.previous_sha256 = f.previous_sha256").fetchall()
    seconds = {fmt: [s for f, s, _ in rows if f.endswith(fmt)] for fmt in FORMATS}
    every = [s for _, s, _ in rows]
    errors = sum(1 for *_, status in rows if status != "audited")
    resume_start = time.perf_counter()
    resume = subprocess.run([sys.executable, "-m", "auditor", "batch", str(folder), "--db", str(db), "--workers",
                             str(args.workers)], cwd=ROOT, capture_output=True)
    resume_s = time.perf_counter() - resume_start

    print()
    print(f"batch of {len(rows)} reports ({', '.join(f'{len(v)} {k.upper()}' for k, v in seconds.items())}), "
          f"rules mode, {args.workers} workers, {os.cpu_count()} cores; {errors} errors")
    header = f"{'':<34}{'all':>10}" + "".join(f"{fmt.upper():>10}" for fmt in FORMATS)
    print(header)
    print("-" * len(header))
    print(f"{'reports/min (wall, incl. start-up)':<34}{60 * len(rows) / wall:>10.0f}")
    print(f"{'p50 s per report (in worker)':<34}{statistics.median(every):>10.3f}"
          + "".join(f"{statistics.median(v):>10.3f}" for v in seconds.values()))
    print(f"{'p95 s per report (in worker)':<34}{percentile(every, 95):>10.3f}"
          + "".join(f"{percentile(v, 95):>10.3f}" for v in seconds.values()))
    print(f"{'wall s':<34}{wall:>10.1f}")
    print(f"{'peak RSS of a worker, MiB':<34}{peak / 2 ** 20:>10.0f}")
    print(f"{'  … per quarter of the run, MiB':<34}" + "".join(f"{q / 2 ** 20:>10.0f}" for q in quarters))
    print(f"{'resume of the finished batch, s':<34}{resume_s:>10.2f}   (exit {resume.returncode})")
    print(f"load average during the run (1/5/15 min): {' '.join(f'{x:.1f}' for x in load)}")


if __name__ == "__main__":
    main()
