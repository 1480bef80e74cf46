"""The six parts found by their best heading: own numeral first, sub-headings never, title variants and typos."""

from __future__ import annotations

import pytest

from auditor.config import Settings
from auditor.extract.sections import find_sections
from auditor.model import Paragraph
from auditor.textnorm import tidy

STANDARD = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


def headings(lines: list[str]) -> dict[str, str | None]:
    blocks = []
    for line in lines:
        blocks += [Paragraph(line), Paragraph("本机关认真贯彻落实条例，扎实推进各项工作，取得一定成效。")]
    sections, _ = find_sections(blocks, Settings())
    return {key: section.heading for key, section in sections.items()}


@pytest.mark.parametrize("variant", [
    "六、其他需报告的事项",  # 需 for 需要
    "五、存在的主要问题及改进措施",  # 措施 for 情况
    "四、政府信息公开行政复议与行政诉讼情况",  # 与 for 、
    "一、总休情况",  # a typo
    "二、主动公开政府信息情况况",  # a stray character
    "一总体情况",  # no 、 after the numeral (real: 金井片区 2020)
    "三、收到和处理政府信息公开申请情况（有关情况附表）",
    "四、因政府信息公开申请行政复议、提起行政诉讼的情况",  # the 条例's wording
])
def test_a_title_variant_is_still_its_part(variant):
    key = variant[0]
    lines = [variant if line[0] == key else line for line in STANDARD]
    found = headings(lines)
    assert found[key] == tidy(variant)  # headings are kept in their tidy form (NFKC)
    assert all(found[k] is not None for k in "一二三四五六")


def test_a_sub_heading_that_repeats_a_part_title_is_not_that_part():
    # real: 平潭 财政金融局 2023, "（一）主动公开政府信息的情况" inside 一
    lines = [STANDARD[0], "（一）主动公开政府信息的情况", "（二）政府信息依申请公开办理情况", *STANDARD[1:]]
    found = headings(lines)
    assert found["二"] == "二、主动公开政府信息情况"
    assert found["一"] == "一、总体情况"


def test_a_table_row_label_is_not_part_four():
    lines = [*STANDARD[:3], "四、结转下年度继续办理", *STANDARD[3:]]
    assert headings(lines)["四"] == STANDARD[3]


def test_a_missing_part_stays_missing():
    found = headings([line for line in STANDARD if not line.startswith("五")])
    assert found["五"] is None and found["六"] == STANDARD[5]
