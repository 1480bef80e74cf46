"""A chat answer for the terminal: the answer, then its citations one per line."""

from __future__ import annotations

import json

from ..chat import Answer, Citation

_KIND_TEXT = {"cell": "表格", "passage": "原文", "clause": "条款", "finding": "审核问题"}


def citation_line(citation: Citation) -> str:
    if citation.kind == "cell":
        value = citation.value if citation.value is not None else {"blank": "空白", "/": "“/”",
                                                                    "unreadable": "未能识别"}.get(citation.state, "")
        page = f"（第{citation.page}页）" if citation.page else ""
        return f"{citation.label} = {value}{page}"
    if citation.kind == "passage":
        return f"{citation.label}：“{citation.quote}”"
    if citation.kind == "clause":
        quote = "".join(line.strip() for line in (citation.quote or "").splitlines())
        return f"{citation.label}：“{quote[:120]}{'…' if len(quote) > 120 else ''}”"
    return f"{citation.label}：{citation.message}"


def render_answer_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.note:
        lines.append(f"（{answer.note}）")
    if answer.citations:
        lines.append("引用：")
        lines += [f"  [{i}] {_KIND_TEXT[c.kind]} {citation_line(c)}" for i, c in enumerate(answer.citations, 1)]
    return "\n".join(lines)


def render_answer_json(answer: Answer, indent: int | None = 2) -> str:
    return json.dumps(answer.to_dict(), ensure_ascii=False, indent=indent)
