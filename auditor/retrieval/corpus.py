"""The corpus as citable chunks: the 条例 by article (第N条), the 年报格式 notice by paragraph.

Pure text processing (no model): the index embeds these chunks, and the checklist names them by id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REGULATION_FILE = "regulation_2019.md"
NOTICE_FILE = "format_notice_2021.md"
CHUNKER_VERSION = "1"  # bump when chunking changes, so cached indexes are rebuilt

_ARTICLE = re.compile(r"^第([一二三四五六七八九十百]+)条[\s\u3000]")
_CHAPTER = re.compile(r"^##\s*(第[一二三四五六七八九十]+章\s*\S+)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_PART = re.compile(r"^##\s+(?:([一二三四五六七八九十]+)、)?(.*)$")
_ITEM = re.compile(r"^(?:###\s*)?\(([一二三四五六七八九十]+)\)(.*)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MARKERS = re.compile(r"\s*\[据年报重建[^\]]*\]|\s*\[缺失\][^\n]*")
_ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Chunk:
    id: str  # 条例第五十条, 年报格式一(一)
    source: str  # regulation / notice
    clause: str  # as a reviewer cites it: 条例第五十条, 年报格式（国办公开办函〔2021〕30号）一（一）
    title: str
    text: str
    reconstructed: bool = False  # text rebuilt from real reports, not seen in a copy of the notice


def corpus_dir(data_dir: Path) -> Path:
    return data_dir / "corpus"


def corpus_hash(data_dir: Path, extra: str = "") -> str:
    """Changes when a corpus file, the chunking or `extra` (the embedding model) changes."""
    digest = hashlib.sha256(f"chunker:{CHUNKER_VERSION}|{extra}".encode())
    for name in (REGULATION_FILE, NOTICE_FILE):
        digest.update((corpus_dir(data_dir) / name).read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def load_chunks(data_dir: Path) -> tuple[Chunk, ...]:
    folder = corpus_dir(data_dir)
    return (*regulation_chunks(folder / REGULATION_FILE), *notice_chunks(folder / NOTICE_FILE))


def regulation_chunks(path: Path) -> list[Chunk]:
    """One chunk per article; its items (一)(二)… stay with it."""
    chunks: list[Chunk] = []
    chapter = ""
    current: list[str] | None = None
    number = ""

    def flush():
        if current:
            text = "\n".join(current)
            chunks.append(Chunk(id=f"条例第{number}条", source="regulation", clause=f"条例第{number}条",
                                title=f"《政府信息公开条例》第{number}条（{chapter}）", text=text))

    for line in _COMMENT.sub("", path.read_text(encoding="utf-8")).splitlines():
        line = line.strip()
        if not line:
            continue
        if match := _CHAPTER.match(line):
            flush()
            current, chapter = None, match.group(1).replace(" ", "")
            continue
        if line.startswith("#"):
            continue
        if match := _ARTICLE.match(line):
            flush()
            number, current = match.group(1), [line]
            continue
        if current is not None:
            current.append(line)
    flush()
    return chunks


def notice_chunks(path: Path) -> list[Chunk]:
    """One chunk per recovered paragraph of the notice, keyed by part and item (一（一）, 二（四）); the
    reconstructed 附件 tables one chunk each. Lines that are notes about the copy (not Chinese text) are dropped."""
    text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
    chunks: list[Chunk] = []
    document = ""  # letter / format / annex
    part = ""
    part_count = 0
    item = ""
    heading = ""
    buffer: list[str] = []
    in_code = False

    def flush():
        body = "\n".join(b for b in buffer if b)
        buffer.clear()
        if not body or not _is_chinese(body):
            return
        chunks.append(_notice_chunk(document, part, item, heading, body))

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if line == "---":
            continue
        if line.startswith("# "):
            flush()
            title = line[2:].strip()
            document = "letter" if "通知" in title else "format"
            part, item, heading, part_count = "", "", title, 0
            continue
        if line.startswith("## 附件"):
            flush()
            document, part, item, heading = "annex", "", "", "附件"
            continue
        if document == "annex" and line.startswith("### "):
            flush()
            heading = _MARKERS.sub("", line[4:]).strip()
            part = heading.split("、", 1)[0] if "、" in heading else heading
            continue
        if line.startswith("## ") and not line.startswith("## Note"):
            flush()
            part_count += 1
            match = _PART.match(line)
            part = match.group(1) or _NUMERALS[part_count - 1]
            item, heading = "", _MARKERS.sub("", match.group(2)).strip()
            continue
        if line.startswith("## Note"):
            flush()
            document = "note"
            continue
        if document == "note":
            continue
        if match := _ITEM.match(line):
            flush()
            item = match.group(1)
            rest = _MARKERS.sub("", match.group(2)).strip()
            heading = rest.split("。", 1)[0] if rest else ""
            if not line.startswith("###") and rest:
                buffer.append(f"({item}){rest}")
            continue
        if "[缺失]" in line or (not in_code and not _is_chinese(line)):
            continue
        buffer.append(_table_line(_MARKERS.sub("", line)) if line.startswith("|") else _MARKERS.sub("", line))
    flush()
    return _merge_same_id(chunks)


def _notice_chunk(document: str, part: str, item: str, heading: str, body: str) -> Chunk:
    cite = "年报格式（国办公开办函〔2021〕30号）"
    if document == "letter":
        return Chunk("年报格式通知", "notice", "国办公开办函〔2021〕30号", "关于印发年报格式的通知", body)
    if document == "annex" and not part:
        return Chunk("年报格式附件", "notice", f"{cite}附件", "年报格式附件（通知所附表格的开头）", body)
    if document == "annex":
        return Chunk(f"年报格式附件表{part}", "notice", f"{cite}附件 表{part}", f"年报格式附件 {heading}", body,
                     reconstructed=True)
    if not part:
        return Chunk("年报格式前言", "notice", f"{cite}前言", "年报格式 前言", body)
    if not item:
        return Chunk(f"年报格式{part}", "notice", f"{cite}{part}", f"年报格式 {part}、{heading}", body)
    return Chunk(f"年报格式{part}({item})", "notice", f"{cite}{part}（{item}）",
                 f"年报格式 {part}（{item}）{heading}", body)


def _merge_same_id(chunks: list[Chunk]) -> list[Chunk]:
    merged: dict[str, Chunk] = {}
    for chunk in chunks:
        if chunk.id in merged:
            first = merged[chunk.id]
            merged[chunk.id] = Chunk(first.id, first.source, first.clause, first.title,
                                     f"{first.text}\n{chunk.text}", first.reconstructed)
        else:
            merged[chunk.id] = chunk
    return list(merged.values())


def _table_line(line: str) -> str:
    cells = [c.strip() for c in line.strip("|").split("|")]
    return " ".join(c for c in cells if c and not set(c) <= set("-:"))


def _is_chinese(text: str) -> bool:
    if _ENGLISH_WORD.search(text):
        return False
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and len(_CJK.findall(text)) / len(letters) >= 0.5
