"""INPUT arguments → the report files of a batch: files, folders searched recursively, and .zip archives, mixed.

A folder or an archive contributes its files with a report extension (PDF, DOCX, HTML, TXT, Markdown); other
files there are counted as skipped. A file named on the command line is always an item, whatever its type, so
that a wrong file gets an error record rather than silence. Refused archive members are items too, with their
problem, so they appear as error records.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..config import Settings
from ..errors import AuditorError, FileMissing
from ..pipeline import REPORT_SUFFIXES
from .archive import list_members, read_member

ARCHIVE_SUFFIX = ".zip"


@dataclass(frozen=True)
class Item:
    """One input file of the batch: a file on disk, or a member of an archive on disk."""

    file: str  # the path as given, or ARCHIVE.zip/inner/path
    path: Path  # the file, or the archive that holds the member
    member: str | None = None  # the member's raw name in the archive
    problem: AuditorError | None = None  # known unreadable before any audit

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.file).suffix.lower()


@dataclass
class Discovery:
    items: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files in folders or archives that are not reports


def collect(inputs: list[str], settings: Settings) -> Discovery:
    """Every report file the inputs name, in a stable order, each once."""
    found = Discovery()
    seen: set[tuple[str, str | None]] = set()

    def add(item: Item) -> None:
        key = (os.path.realpath(item.path), item.member)
        if key not in seen:
            seen.add(key)
            found.items.append(item)

    for given in inputs:
        path = Path(given)
        if path.is_dir():
            for file in _walk(path):
                shown = os.path.join(given, os.path.relpath(file, path))
                if file.suffix.lower() == ARCHIVE_SUFFIX:
                    _archive(file, shown, settings, add, found)
                elif file.suffix.lower() in REPORT_SUFFIXES:
                    add(Item(shown, file))
                else:
                    found.skipped.append(shown)
        elif path.is_file() and path.suffix.lower() == ARCHIVE_SUFFIX:
            _archive(path, given, settings, add, found)
        elif path.is_file():
            add(Item(given, path))
        else:
            add(Item(given, path, problem=FileMissing(f"找不到文件或文件夹“{given}”，请检查路径是否正确。")))
    return found


def _walk(folder: Path) -> list[Path]:
    """Files under `folder`, sorted, hidden files and folders left out."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [Path(root) / n for n in sorted(names) if not n.startswith(".")]
    return files


def _archive(path: Path, shown: str, settings: Settings, add, found: Discovery) -> None:
    try:
        members = list_members(path, settings)
    except AuditorError as error:
        add(Item(shown, path, problem=error))
        return
    for member in members:
        file = f"{shown}/{member.name}"
        if member.problem is None and PurePosixPath(member.name).suffix.lower() not in REPORT_SUFFIXES:
            found.skipped.append(file)
            continue
        add(Item(file, path, member.raw, member.problem))


def read_item(item: Item, settings: Settings) -> bytes:
    """The item's bytes (an archive member read in memory, with the archive's caps)."""
    if item.problem is not None:
        raise item.problem
    if item.member is not None:
        return read_member(item.path, item.member, settings)
    return item.path.read_bytes()


def sha256_of(item: Item, settings: Settings) -> str:
    if item.member is not None:
        return hashlib.sha256(read_item(item, settings)).hexdigest()
    digest = hashlib.sha256()
    with open(item.path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def pdf_pages(item: Item, settings: Settings) -> int:
    """How many pages a PDF item has (at most `max_pages`), for its time limit; 0 for another format or a PDF
    whose page tree cannot be read here (the worker says why). pypdf is pure Python: a hostile file cannot
    crash the process that holds the batch, and only the page tree is read, not the pages."""
    if item.suffix != ".pdf" or item.problem is not None:
        return 0
    from pypdf import PdfReader
    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        source = io.BytesIO(read_item(item, settings)) if item.member is not None else item.path
        return min(len(PdfReader(source).pages), settings.max_pages)
    except Exception:  # encrypted, corrupt, not a PDF: the audit reports it
        return 0
    finally:
        quiet.setLevel(level)


def stored_source(row, settings: Settings) -> bytes:
    """The bytes of a file recorded in the batch database (a `files` row), read again from where it was found;
    raises AuditorError when it is gone or no longer the file that was audited."""
    from ..errors import FileMissing as Gone
    item = Item(row["file"], Path(row["source_path"]), row["member"])
    try:
        data = read_item(item, settings)
    except OSError as error:
        raise Gone(f"原文件“{row['file']}”已不在原处（{type(error).__name__}），无法显示表格和原文证据。") from error
    if row["sha256"] and hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise Gone(f"原文件“{row['file']}”在审核后已被修改，显示的表格和原文证据可能与审核结果不一致；请重新运行批量审核。")
    return data
