"""Command line: a thin layer over pipeline.audit_file. Errors become one Chinese line and exit code 1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .config import Settings
from .errors import AuditorError

EXIT_INPUT_ERROR = 1
EXIT_INTERNAL_ERROR = 3


@click.group(help="政府信息公开工作年度报告审核工具")
@click.version_option(package_name="gov-report-auditor")
def main() -> None:
    pass


@main.command(help="审核一份年度报告（PDF、DOCX、HTML、TXT 或 Markdown），输出审核结果。")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True,
              help="输出格式：text 终端摘要，json 机器可读结果，md 可直接发送的审核意见")
@click.option("--previous", type=click.Path(path_type=Path), default=None, help="同一单位上一年度的报告，用于跨年度核对")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="写入文件而不是标准输出")
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def audit(file: Path, fmt: str, previous: Path | None, output: Path | None, debug: bool) -> None:
    from .pipeline import audit_file
    from .present.json_report import error_json, render_json
    from .present.markdown_report import render_markdown, render_text

    try:
        result = audit_file(file, Settings.from_env(), previous=previous)
    except AuditorError as error:
        _fail(error.message, error_json(error) if fmt == "json" else None, EXIT_INPUT_ERROR)
    except Exception as error:  # a bug: keep the user's terminal readable, keep the trace one flag away
        if debug:
            raise
        wrapped = AuditorError(f"审核“{file}”时发生内部错误（{type(error).__name__}: {error}）；"
                               "请使用 --debug 重试并将输出与文件一并反馈给开发者。")
        wrapped.code = "internal_error"
        _fail(wrapped.message, error_json(wrapped) if fmt == "json" else None, EXIT_INTERNAL_ERROR)
    text = {"json": render_json, "md": render_markdown, "text": render_text}[fmt](result)
    if output is not None:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))


def _fail(message: str, json_text: str | None, code: int) -> None:
    if json_text is not None:
        click.echo(json_text)
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)
