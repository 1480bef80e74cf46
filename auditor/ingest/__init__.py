"""File → Document. Detects the format, checks the file is usable, and calls one reader."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from ..config import Settings
from ..errors import EmptyFile, FileMissing, FileTooLarge, UnsupportedFormat
from ..model import Document

SUPPORTED = ("pdf", "docx", "html", "txt", "md")
_EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".shtml": "html",
               ".txt": "txt", ".md": "md", ".markdown": "md"}
REPORT_SUFFIXES = tuple(_EXTENSIONS)  # file names a folder or archive is searched for


def detect_format(path: Path, head: bytes) -> str:
    """The format by content first (a mislabelled file still opens), then by extension."""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if path.suffix.lower() == ".docx" or _is_docx(path):
            return "docx"
        raise UnsupportedFormat(f"“{path.name}”是压缩包或其他 Office 文件，不是 Word（DOCX）文档；请上传 PDF、DOCX、HTML、TXT 或 Markdown 格式的年度报告。")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFormat(f"“{path.name}”是旧版 Word（.doc）或 Excel 文件，暂不支持；请另存为 DOCX 或 PDF 后再审核。")
    fmt = _EXTENSIONS.get(path.suffix.lower())
    lowered = head[:2048].lower()
    if fmt is None and (b"<html" in lowered or b"<!doctype html" in lowered):
        fmt = "html"
    if fmt is None:
        raise UnsupportedFormat(f"不支持的文件类型“{path.suffix or path.name}”；请上传 PDF、DOCX、HTML、TXT 或 Markdown 格式的年度报告。")
    if fmt == "pdf":
        # named .pdf but no PDF header: corrupt or renamed
        from ..errors import CorruptFile
        raise CorruptFile(f"“{path.name}”不是有效的 PDF 文件（文件头缺少 %PDF 标记），文件可能已损坏或被改了扩展名。")
    if fmt == "docx":
        from ..errors import CorruptFile
        raise CorruptFile(f"“{path.name}”不是有效的 DOCX 文件（不是 Office Open XML 压缩包），文件可能已损坏。")
    return fmt


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def load_document(path: str | Path, settings: Settings | None = None) -> Document:
    """Read any supported file into a Document; raises AuditorError with a Chinese message."""
    settings = settings or Settings()
    path = Path(path)
    if not path.exists():
        raise FileMissing(f"找不到文件“{path}”，请检查路径是否正确。")
    if not path.is_file():
        raise FileMissing(f"“{path}”不是文件（可能是文件夹）；审核单份报告请指定文件。")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(f"文件“{path.name}”是空文件（0 字节），请重新导出或下载后再上传。")
    if size > settings.max_file_bytes:
        raise FileTooLarge(
            f"文件“{path.name}”大小为 {size / 1024 / 1024:.1f} MB，超过上限 {settings.max_file_bytes / 1024 / 1024:.0f} MB；"
            "年度报告通常不超过 10 MB，请确认文件是否正确，或压缩图片后再上传。")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    fmt = detect_format(path, data[:4096])
    if fmt == "pdf":
        from .pdf import read_pdf
        return read_pdf(path, digest, settings)
    if fmt == "docx":
        from .docx import read_docx
        return read_docx(path, digest, settings)
    if fmt == "html":
        from .html import read_html
        return read_html(path, data, digest, settings)
    from .text import read_text
    return read_text(path, data, digest, fmt)
