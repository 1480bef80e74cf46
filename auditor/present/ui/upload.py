"""An uploaded or bundled report as bytes, checked before the audit, and audited from a private temp dir.

The name a browser sends is only ever displayed: the bytes are written as `report.<ext>` inside a
fresh temporary directory that belongs to this one audit of this one session, and the directory
is removed as soon as the pipeline returns (or fails).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from ...config import Settings
from ...errors import AuditorError, EmptyFile, FileTooLarge, UnsupportedFormat
from ...model import AuditResult, Report
from ...pipeline import Progress, audit_file, read_report

ACCEPTED = {".pdf": ".pdf", ".docx": ".docx", ".html": ".html", ".htm": ".html", ".shtml": ".html",
            ".txt": ".txt", ".md": ".md", ".markdown": ".md"}
UPLOAD_TYPES = [ext.lstrip(".") for ext in ACCEPTED]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class InputFile:
    name: str  # for display and download names only; never part of a path
    data: bytes
    sha256: str
    suffix: str  # the canonical extension the pipeline sees: .pdf .docx .html .txt .md

    @property
    def is_pdf(self) -> bool:
        return self.suffix == ".pdf"

    @property
    def stem(self) -> str:
        return PurePath(self.name).stem or "报告"


def display_name(name: str) -> str:
    """The file's own name without any folder part or control characters, at most 120 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _CONTROL.sub("", base).strip().lstrip(".") or "report"
    return base[-120:]


def check_upload(name: str, data: bytes, settings: Settings) -> InputFile:
    """An InputFile, or AuditorError (Chinese message) for a type, size or emptiness that cannot be audited."""
    shown = display_name(name)
    suffix = ACCEPTED.get(PurePath(shown).suffix.lower())
    if suffix is None:
        raise UnsupportedFormat(f"不支持的文件类型“{PurePath(shown).suffix or shown}”：请上传 PDF、DOCX、HTML、TXT 或 "
                                "Markdown 格式的年度报告（旧版 .doc 请先另存为 DOCX 或 PDF）。")
    if not data:
        raise EmptyFile(f"文件“{shown}”是空文件（0 字节），请重新导出或下载后再上传。")
    if len(data) > settings.max_file_bytes:
        raise FileTooLarge(f"文件“{shown}”大小为 {len(data) / 1024 / 1024:.1f} MB，超过上限 "
                           f"{settings.max_file_bytes / 1024 / 1024:.0f} MB；请确认文件是否正确，或压缩图片后再上传。")
    return InputFile(name=shown, data=data, sha256=hashlib.sha256(data).hexdigest(), suffix=suffix)


def sample_files(settings: Settings) -> list[Path]:
    """The bundled sample reports (data/samples), by name."""
    folder = settings.data_dir / "samples"
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ACCEPTED) if folder.is_dir() else []


def audit_input(source: InputFile, settings: Settings, progress: Progress | None = None) -> AuditResult:
    """Audit the bytes through the pipeline; the result names the file by its display name."""
    with tempfile.TemporaryDirectory(prefix="auditor-upload-") as folder:
        path = Path(folder) / f"report{source.suffix}"
        path.write_bytes(source.data)
        try:
            result = audit_file(path, settings, progress=progress)
        except AuditorError as error:
            # the pipeline names the file it read; the user knows it by the name they uploaded
            error.message = error.message.replace(str(path), source.name).replace(f"“{path.name}”", f"“{source.name}”")
            error.args = (error.message,)
            raise
    result.report.document.path = Path(source.name)
    return result


def read_input(source: InputFile, settings: Settings) -> Report:
    """The report read (not audited) from the bytes, from a private temp dir; named by its display name."""
    with tempfile.TemporaryDirectory(prefix="auditor-upload-") as folder:
        path = Path(folder) / f"report{source.suffix}"
        path.write_bytes(source.data)
        report = read_report(path, settings)
    report.document.path = Path(source.name)
    return report
