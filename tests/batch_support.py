"""Inputs for the batch tests, generated (never hand-written): Markdown reports of distinct bodies built from the
fixture specs, PDF copies that differ in their bytes, zip archives (hostile ones too), and helpers to read the
batch database."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from auditor.config import Settings
from tests.fixtures.builder import render_txt
from tests.fixtures.builder.spec import ReportSpec, make_spec

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "fixtures" / "reports"
CITIES = ("东湖", "西山", "南岭", "北川", "青石", "白沙", "金水", "云台", "石门", "清河", "安平", "永宁")
DEPARTMENTS = ("财政局", "教育局", "民政局", "交通运输局", "卫生健康委员会", "自然资源局", "文化和旅游局", "市场监督管理局")


def agency(i: int) -> str:
    return f"{CITIES[i % len(CITIES)]}市{DEPARTMENTS[(i // len(CITIES)) % len(DEPARTMENTS)]}"


def spec(i: int, year: int = 2024, name: str | None = None, **overrides) -> ReportSpec:
    made = make_spec(name or f"report-{i:03d}", 1000 + i + year, overrides.pop("agency", agency(i)), year,
                     overrides.pop("scale", 200 + 37 * i))
    for key, value in overrides.items():
        setattr(made, key, value)
    return made


def write_md(folder: Path, report: ReportSpec, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return render_txt.render(report, folder, markdown=True, name=name)


def md_reports(folder: Path, count: int, year: int = 2024, first: int = 0) -> list[Path]:
    return [write_md(folder, spec(i, year)) for i in range(first, first + count)]


def with_row_total_error(report: ReportSpec, delta: int = 5) -> ReportSpec:
    """表三「予以公开」×「自然人」raised by `delta` without its 总计: one T3.row_total error (and the identities)."""
    report.table3["disclosed"]["natural_person"] += delta
    return report


def pdf_copies(folder: Path, count: int, source: Path = REPORTS / "standard.pdf") -> list[Path]:
    """Copies of a fixture PDF whose bytes differ (a comment after %%EOF), so each is a report of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    paths = []
    for i in range(count):
        path = folder / f"copy-{i:03d}.pdf"
        path.write_bytes(data + f"\n% copy {i}\n".encode())
        paths.append(path)
    return paths


def zip_of(path: Path, members: dict[str, bytes], encrypted: set[str] = frozenset()) -> Path:
    """A zip archive; names in `encrypted` carry the encryption flag in their local and central headers, as a
    password-protected member does (zipfile cannot write real encryption; the flag is what a reader sees)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    for name in encrypted:
        raw = name.encode("utf-8")
        for signature, name_at, flag_at in ((b"PK\x03\x04", 30, 6), (b"PK\x01\x02", 46, 8)):
            start = 0
            while (start := data.find(signature, start)) >= 0:
                if data[start + name_at:start + name_at + len(raw)] == raw:
                    data[start + flag_at] |= 0x1
                start += 4
    path.write_bytes(bytes(data))
    return path


def settings_for(tmp_path: Path, **overrides) -> Settings:
    """Rules mode, a private cache, and short limits that keep a misbehaving file from holding a test up."""
    values = {"cache_dir": tmp_path / "cache", "batch_timeout_s": 60.0, "batch_max_memory_mb": 2048, **overrides}
    return Settings(**values)


def rows(db: Path, query: str, *args) -> list[sqlite3.Row]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(query, args).fetchall()
    finally:
        connection.close()
