"""Members of a .zip archive, read into memory and never extracted to disk under their own names.

Refused, each as an error record of its own: a member whose path would escape a folder (`../`, an absolute path
or a drive letter), an encrypted member, a member that expands more than `zip_max_ratio` times (or beyond what its
header declares while it is read), one larger than a single report may be. Refused as a whole (one error record for
the archive): more than `zip_max_members` members, or more than `zip_max_total_bytes` declared in all.
Names without the UTF-8 flag are decoded as GBK when they are not UTF-8, as Chinese Windows writes them.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..config import Settings
from ..errors import (ArchiveBomb, AuditorError, CorruptFile, EncryptedMember, FileTooLarge, TooManyMembers,
                      UnsafeArchiveMember)

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_JUNK_PARTS = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini")
_BOMB_FLOOR = 1024 * 1024  # below 1 MiB expanded, a high ratio (a text of repeated zeros) harms nobody
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Member:
    raw: str  # the name as stored in the archive: the key to read it again
    name: str  # decoded for people, with "/" separators
    size: int  # declared uncompressed size
    problem: AuditorError | None = None  # why it is refused, if it is


def decoded_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: UTF-8 flag, else UTF-8 or GBK bytes that zipfile read as cp437."""
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = None
        if raw is not None:
            for encoding in ("utf-8", "gbk"):
                try:
                    name = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
    return name.replace("\\", "/")


def _escapes(name: str) -> bool:
    path = PurePosixPath(name)
    drive = len(name) > 1 and name[1] == ":"
    return name.startswith("/") or drive or ".." in path.parts


def member_problem(info: zipfile.ZipInfo, name: str, settings: Settings) -> AuditorError | None:
    """Why this member must not be read (None: it may)."""
    if _escapes(name):
        return UnsafeArchiveMember(f"压缩包成员“{name}”的路径指向压缩包之外（含“../”或绝对路径），已拒绝读取。")
    if info.flag_bits & _ENCRYPTED_FLAG:
        return EncryptedMember(f"压缩包成员“{name}”已加密（需要密码），无法读取；请解密后重新打包或单独提交。")
    if info.file_size > settings.max_file_bytes:
        return FileTooLarge(f"压缩包成员“{name}”解压后为 {info.file_size / 1024 / 1024:.1f} MB，超过单个文件上限 "
                            f"{settings.max_file_bytes / 1024 / 1024:.0f} MB。")
    if info.file_size > _BOMB_FLOOR and info.file_size > settings.zip_max_ratio * max(info.compress_size, 1):
        return ArchiveBomb(f"压缩包成员“{name}”压缩比异常（{info.compress_size} 字节解压为 {info.file_size} 字节），"
                           "疑似压缩炸弹，已拒绝解压。")
    return None


def _is_junk(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(part in _JUNK_PARTS or part.startswith("._") for part in parts)


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise CorruptFile(f"压缩包“{path.name}”无法打开（{type(error).__name__}），文件可能已损坏或不完整。") from error


def list_members(path: Path, settings: Settings) -> list[Member]:
    """The archive's files (folders and system junk left out), each with the reason it is refused, if any.

    Raises TooManyMembers, ArchiveBomb or CorruptFile for the archive as a whole."""
    with _open(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > settings.zip_max_members:
        raise TooManyMembers(f"压缩包“{path.name}”含 {len(infos)} 个文件，超过上限 {settings.zip_max_members} 个，"
                             "已拒绝处理；请分成多个压缩包。")
    total = sum(i.file_size for i in infos)
    if total > settings.zip_max_total_bytes:
        raise ArchiveBomb(f"压缩包“{path.name}”解压后共 {total / 1024 ** 3:.1f} GB，超过上限 "
                          f"{settings.zip_max_total_bytes / 1024 ** 3:.1f} GB，疑似压缩炸弹，已拒绝解压。")
    members = []
    for info in infos:
        name = decoded_name(info)
        if _is_junk(name):
            continue
        members.append(Member(info.filename, name, info.file_size, member_problem(info, name, settings)))
    return members


def read_member(path: Path, raw: str, settings: Settings) -> bytes:
    """The member's bytes, checked again and read with a hard cap: never more than its header declares."""
    with _open(path) as archive:
        try:
            info = archive.getinfo(raw)
        except KeyError as error:
            raise CorruptFile(f"压缩包“{path.name}”中找不到成员“{raw}”。") from error
        name = decoded_name(info)
        problem = member_problem(info, name, settings)
        if problem is not None:
            raise problem
        limit = info.file_size
        chunks, size = [], 0
        try:
            with archive.open(info) as stream:
                while True:
                    chunk = stream.read(min(_CHUNK, limit + 1 - size))
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise ArchiveBomb(f"压缩包成员“{name}”解压出的内容超过其声明的大小，疑似压缩炸弹，已停止解压。")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as error:
            # RuntimeError: zipfile's "password required"; NotImplementedError: an unsupported compression method
            raise CorruptFile(f"压缩包成员“{name}”无法解压（{type(error).__name__}: {error}），文件可能已损坏。") from error
    return b"".join(chunks)
