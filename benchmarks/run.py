"""Speed benchmark: prints a table of figures (not a test; nothing here passes or fails).

For each fixture PDF: the median seconds of a full `audit` (read + extract + checks + verdict) and of a
bare pdfplumber pass over the same file (extract_text + extract_tables on every page), their ratio,
reports per minute, and peak memory; then the cold start of the CLI (`python -m auditor --version`).
Usage: python benchmarks/run.py [--repeat N] [PDF ...]
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bare_pdfplumber(path: Path) -> None:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def full_audit(path: Path) -> None:
    from auditor.config import Settings
    from auditor.pipeline import audit_file
    audit_file(path, Settings())


def median_seconds(function, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mib(function, path: Path) -> float:
    tracemalloc.start()
    function(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def cold_start(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "auditor", "--version"], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pdfs = args.pdfs or [*sorted((ROOT / "tests" / "fixtures" / "reports").glob("*.pdf")),
                         *sorted((ROOT / "tests" / "fixtures" / "real").glob("*.pdf"))]
    if not pdfs:
        sys.exit("没有找到要测试的 PDF 文件")
    full_audit(pdfs[0])  # warm imports and label data once, as a long-running process would
    bare_pdfplumber(pdfs[0])

    header = f"{'report':<34}{'pages':>6}{'audit s':>10}{'pdfplumber s':>14}{'ratio':>8}{'reports/min':>13}{'peak MiB':>10}"
    print(header)
    print("-" * len(header))
    audits, bares = [], []
    for path in pdfs:
        import pdfplumber
        with pdfplumber.open(path) as pdf:
            pages = len(pdf.pages)
        audit = median_seconds(full_audit, path, args.repeat)
        bare = median_seconds(bare_pdfplumber, path, args.repeat)
        audits.append(audit)
        bares.append(bare)
        print(f"{path.stem[:33]:<34}{pages:>6}{audit:>10.3f}{bare:>14.3f}{audit / bare:>8.2f}{60 / audit:>13.1f}"
              f"{peak_mib(full_audit, path):>10.1f}")
    print("-" * len(header))
    audit_median, bare_median = statistics.median(audits), statistics.median(bares)
    print(f"{'median':<34}{'':>6}{audit_median:>10.3f}{bare_median:>14.3f}{audit_median / bare_median:>8.2f}"
          f"{60 / audit_median:>13.1f}")
    print()
    print(f"CLI cold start (python -m auditor --version), median of {args.repeat}: {cold_start(args.repeat):.3f} s")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
