"""The reporting body: is it a 人民政府 (条例第五十条第四项 applies), and does a text name some other body as itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..textnorm import squash

GOVERNMENT = "government"
DEPARTMENT = "department"

_PLACE_END = "省市区县州旗盟镇乡"
_SUFFIXES = ("人民政府办公室", "人民政府办公厅", "政府办公室", "政府办公厅", "人民政府", "委员会", "办公室", "办公厅",
             "管委会", "政府", "局", "委", "厅", "办", "中心", "署", "院")
# a body's name as printed inside a sentence: place (ending 省/市/区/县…) + core + organ suffix
_BODY = re.compile(rf"(?P<place>[\u4e00-\u9fff]{{0,6}}?[{_PLACE_END}])(?P<core>[\u4e00-\u9fff]{{1,10}}?)"
                   r"(?P<suffix>人民政府办公室|人民政府|委员会|局|厅)")
# the body is the subject of the sentence: "2024年，XX局政务公开工作…", "。XX局将…"
_SELF_CONTEXT_AFTER = re.compile(r"^(?:政务公开|政府信息公开|信息公开|将|虽|在|坚持|认真|严格|按照|始终|积极|围绕|对照|针对)")
_SELF_CONTEXT_BEFORE = re.compile(r"(?:^|[。；;！!？?:：]|年度?[,，]?|[,，])$")


def body_type(agency: str | None) -> str | None:
    """GOVERNMENT for "XX市人民政府" / "XX镇人民政府"; DEPARTMENT for "XX市人民政府办公室" or "XX局"; None if unknown.

    条例第五十条第（四）项: only 各级人民政府 report 考核、评议和责任追究结果; a 办公室/办公厅 of a government
    is one of its departments.
    """
    if not agency:
        return None
    name = squash(agency)
    if re.search(r"(办公室|办公厅|办事处)$", name):
        return DEPARTMENT
    if re.search(r"(人民政府|[省市区县州旗盟镇乡]政府)$", name):
        return GOVERNMENT
    return DEPARTMENT


@dataclass(frozen=True)
class _Name:
    place: str
    core: str
    suffix: str


def split_name(agency: str) -> _Name | None:
    match = re.fullmatch(rf"(?P<place>.*?[{_PLACE_END}])?(?P<core>.*?)(?P<suffix>{'|'.join(_SUFFIXES)})",
                         squash(agency))
    if not match:
        return None
    return _Name(match.group("place") or "", match.group("core"), match.group("suffix"))


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _same_place(mentioned: str, own: str) -> bool:
    # "结合青铜峡市" ends with "青铜峡市"; a bare "市" (市科技局) is the body's own level
    return not own or mentioned.endswith(own) or own.endswith(mentioned)


def foreign_self_reference(text: str, agency: str | None) -> str | None:
    """A body named as the subject of a sentence, or a body of the same kind in another place, that is not the
    reporting body: the usual sign of a section copied from another body's report. Returns the name as printed."""
    own = split_name(agency) if agency else None
    if own is None:
        return None
    squashed = squash(text)
    for match in _BODY.finditer(squashed):
        place, core, suffix = match.group("place"), match.group("core"), match.group("suffix")
        if _short_form(place + core + suffix, squash(agency), len(core) + len(suffix)):
            continue
        if suffix != own.suffix and not (suffix.startswith(own.suffix) or own.suffix.startswith(suffix)):
            continue
        same_core = _subsequence(core, own.core) or _subsequence(own.core, core)
        if same_core and _same_place(place, own.place):
            continue
        # the pattern's place runs back to the start of the CJK run ("努力营造市"); cut it at word boundaries
        place = _place_words(place)
        if same_core and _same_place(place, own.place):
            continue
        start = match.start("core") - len(place)
        name = place + core + suffix
        if same_core:
            return name
        before, after = squashed[max(0, start - 6):start], squashed[match.end():]
        if _SELF_CONTEXT_BEFORE.search(before) and _SELF_CONTEXT_AFTER.match(after):
            return name
    return None


def _short_form(mentioned: str, own: str, core_length: int) -> bool:
    """Whether `mentioned` is the body's own name in short form: its name without the leading place
    ("金井片区管理局" for "平潭综合实验区金井片区管理局"), possibly after a word that is no place ("问题金井片区…")."""
    common = 0
    while common < min(len(mentioned), len(own)) and mentioned[-1 - common] == own[-1 - common]:
        common += 1
    if common < core_length or common < 3:
        return False
    rest = mentioned[: len(mentioned) - common]
    return not rest or rest[-1] not in _PLACE_END


def _place_words(place: str) -> str:
    """The trailing words of `place` that name a place: nouns before the 省/市/区/县 character, never a verb or a
    preposition ("努力营造市" → "市", "结合红寺堡区" → "红寺堡区"). Loads jieba (~1 s, once) only when needed."""
    import logging

    import jieba
    import jieba.posseg as posseg
    jieba.setLogLevel(logging.WARNING)
    words = posseg.lcut(place)
    kept = []
    for word in reversed(words):
        if kept and not (word.flag.startswith("n") or word.flag in ("zg", "j")):
            break
        kept.append(word.word)
    return "".join(reversed(kept))
