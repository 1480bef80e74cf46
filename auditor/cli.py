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
    from .present.markdown_report import render_markdown, render_text
    from .present.json_report import render_json

    result = _audit_or_exit(file, fmt == "json", debug, previous=previous)
    text = {"json": render_json, "md": render_markdown, "text": render_text}[fmt](result)
    if output is not None:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))


_MODE_OPTION = click.option("--mode", type=click.Choice(["auto", "rules", "llm"]), default="auto", show_default=True,
                            help="auto：配置了大模型接口（OPENAI_API_KEY）时用大模型，否则用规则模式；rules：只用规则；llm：必须用大模型")


@main.command(help="就一份年度报告提一个问题：数字取自表格，引文取自报告原文或条款，每个回答都给出引用。")
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("question")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 回答与引用，json 机器可读的回答（shared/spec/chat-json.md）")
@_MODE_OPTION
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def ask(file: Path, question: str, fmt: str, mode: str, debug: bool) -> None:
    from .present.chat_text import render_answer_json, render_answer_text

    result = _audit_or_exit(file, fmt == "json", debug)
    chat = _chat_or_exit(result, mode, fmt == "json")
    answer = _guarded(lambda: chat.ask(question), file, fmt == "json", debug)
    click.echo(render_answer_json(answer) if fmt == "json" else render_answer_text(answer))


@main.command(help="与一份年度报告多轮问答（可以追问，如“那法人呢？”）；输入“退出”或按 Ctrl-D 结束。")
@click.argument("file", type=click.Path(path_type=Path))
@_MODE_OPTION
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def chat(file: Path, mode: str, debug: bool) -> None:
    from .present.chat_text import render_answer_text

    click.echo(f"正在审核“{file}”…", err=True)
    result = _audit_or_exit(file, False, debug)
    session = _chat_or_exit(result, mode, False)
    report = result.report
    click.echo(f"已读取：{report.title or file.name}（审核问题 {len(result.findings)} 项）。{session.mode_text}。")
    click.echo("请输入问题，例如：本年新收申请多少件？这份报告有什么问题？输入“退出”结束。")
    conversation = session.conversation()
    stdin = click.get_text_stream("stdin")
    while True:
        click.echo("问：", nl=False)
        line = stdin.readline()
        if not line:
            click.echo("")
            break
        question = line.strip()
        if question in _QUIT:
            break
        if not question:
            continue
        answer = _guarded(lambda: conversation.ask(question), file, False, debug)
        click.echo("答：" + render_answer_text(answer) + "\n")


_QUIT = {"退出", "结束", "exit", "quit", "q", ":q"}


def _audit_or_exit(file: Path, as_json: bool, debug: bool, previous: Path | None = None):
    """The audit of `file`, or exit 1 with a Chinese message (exit 3 on a bug)."""
    from .pipeline import audit_file

    return _guarded(lambda: audit_file(file, Settings.from_env(), previous=previous), file, as_json, debug)


def _chat_or_exit(result, mode: str, as_json: bool):
    from .chat import ReportChat
    from .present.json_report import error_json

    try:
        return ReportChat(result, Settings.from_env(), mode=mode)
    except AuditorError as error:
        _fail(error.message, error_json(error) if as_json else None, EXIT_INPUT_ERROR)


def _guarded(work, file: Path, as_json: bool, debug: bool):
    from .present.json_report import error_json

    try:
        return work()
    except AuditorError as error:
        _fail(error.message, error_json(error) if as_json else None, EXIT_INPUT_ERROR)
    except Exception as error:  # a bug: keep the user's terminal readable, keep the trace one flag away
        if debug:
            raise
        wrapped = AuditorError(f"处理“{file}”时发生内部错误（{type(error).__name__}: {error}）；"
                               "请使用 --debug 重试并将输出与文件一并反馈给开发者。")
        wrapped.code = "internal_error"
        _fail(wrapped.message, error_json(wrapped) if as_json else None, EXIT_INTERNAL_ERROR)


def _fail(message: str, json_text: str | None, code: int) -> None:
    if json_text is not None:
        click.echo(json_text)
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)
