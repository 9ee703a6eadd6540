"""The 附件1 申报审批表 DOCX/JSON and the 附件2 materials draft, read back value by value."""
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from handlers.application import package
from handlers.application.schema import application_form
from handlers.application.attachment2 import draft as materials_draft, render_materials_docx
from handlers.application.docx_render import render_application_docx
from handlers.application.json_export import application_json
from tests.support.documents import YEAR, _members, _answers, OPINIONS, LEDGERS, OUTLINE, _tool  # noqa: F401
from tests.support.documents import SURNAMES, GIVEN, DEPARTMENTS, ROLES, TITLES, NARRATIVE  # noqa: F401











@pytest.fixture(scope="module")
def form():
    return application_form(YEAR)


@pytest.fixture(scope="module")
def rendered(form):
    return render_application_docx(form, _answers(), year=YEAR)


def _read(data):
    return docx.Document(io.BytesIO(data))


def _unique_cells(row):
    seen, cells = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    return cells


def _rows(table):
    """Each row as the texts of its distinct cells."""
    return [[c.text for c in _unique_cells(row)] for row in table.rows]


def _form_rows(doc):
    """The rows of the form's big table, printed as three tables (the core members' part its own, so its
    header repeats on the page it continues on)."""
    return [row for table in doc.tables[:3] for row in _rows(table)]


def _row_after(rows, *texts):
    """The cells of the first row containing all the texts."""
    for row in rows:
        if all(any(t == cell for cell in row) for t in texts):
            return row
    raise AssertionError(f"no row with {texts}: {rows}")


def _value_after(rows, label):
    row = _row_after(rows, label)
    return row[row.index(label) + 1]


def _all_text(document):
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += ["\t".join(r) for r in _rows(table)]
    return "\n".join(parts)


# --- the cover and the main table --------------------------------------------------------

def _paragraph_of(doc, text):
    return next(p for p in doc.paragraphs if p.text == text)


def _cover_line(doc, label):
    """(value, underlined) of the cover's fill-in line: label, tab, the value, an underlined tab."""
    paragraph = next(p for p in doc.paragraphs if p.text.startswith(label + "\t"))
    runs = paragraph.runs
    assert [r.text for r in runs[:2]] == [label, "\t"] and runs[-1].text == "\t"
    assert not runs[0].underline and runs[-1].underline          # the line runs to its end
    value = runs[2:-1]
    assert all(r.underline for r in value)
    return "".join(r.text for r in value)


def test_cover_page(rendered):
    doc = _read(rendered)
    texts = [p.text for p in doc.paragraphs]
    for title in ("中国交建劳模（工匠人才）创新工作室", "申报审批表"):
        runs = _paragraph_of(doc, title).runs
        assert all(r.bold and r.font.size.pt == 22 for r in runs), title      # 二号
    assert _cover_line(doc, "工作室名称") == "李建国盾构隧道智能建造劳模创新工作室"
    assert _cover_line(doc, "所在单位") == "中交示范工程局有限公司"
    assert _cover_line(doc, "单位类型") == "施工企业"
    assert _cover_line(doc, "推荐单位") == "中交示范工程局有限公司工会"
    assert "填报日期  20250520" in texts
    assert "中国交建工会联合会办公室制" in texts
    assert all(r.bold and r.font.size.pt == 16 for r in _paragraph_of(doc, "填 表 说 明").runs)
    numbered = [t for t in texts if re.match(r"\d{1,2}\.", t)]
    assert len(numbered) == 11
    assert numbered[7].startswith("8.本表用打印方式填写，使用仿宋小四号字")


def test_blank_cover_has_lines_to_fill_in(form):
    doc = _read(render_application_docx(form, {}, year=YEAR))
    for label in ("工作室名称", "所在单位", "单位类型", "推荐单位"):
        assert _cover_line(doc, label) == "", label
    tabs = _paragraph_of(doc, "工作室名称\t\t").paragraph_format.tab_stops
    assert tabs[1].position - tabs[0].position > docx.shared.Mm(80)          # a line long enough to write on
    assert "填报日期      年  月  日" in [p.text for p in doc.paragraphs]


def test_org_names_are_configuration(form):
    doc = _read(render_application_docx(form, _answers(), year=YEAR, org_name="中国铁建",
                                        union_name="中国铁建工会"))
    text = _all_text(doc)
    assert "中国铁建劳模（工匠人才）创新工作室" in text
    assert "中国铁建工会办公室制" in text
    assert "中国铁建\n工会\n审批意见" in text
    assert "中国交建" not in text


def test_basics_rows(rendered):
    rows = _form_rows(_read(rendered))
    assert rows[0] == ["工作室名称", "李建国盾构隧道智能建造劳模创新工作室", "创建日期", "20180420"]
    assert rows[1] == ["所在单位", "中交示范工程局有限公司", "命名单位*", "省总工会"]
    assert rows[2] == ["专业领域", "盾构隧道施工", "命名日期", "20190501"]
    assert rows[3][0] == "工作室类型"
    assert "■技术攻关" in rows[3][1]             # ■ and □ are in 仿宋; ☑ is not
    for other in ("□技能传授", "□窗口服务", "□其他"):
        assert other in rows[3][1]
    assert rows[3][1].count("■") == 1
    assert rows[3][3] == "24人/\n25平方米"


def test_funding_rows(rendered):
    rows = _form_rows(_read(rendered))
    header = _row_after(rows, "投入金额")
    assert header[-3:] == ["年  度", "投入金额", "经费来源"]
    y1 = _row_after(rows, "2023年", "5")
    assert y1[y1.index("2023年"):] == ["2023年", "5", "中交示范工程局 3万元；中交隧道局 2万元"]
    y2 = _row_after(rows, "2024年", "3.5")
    assert y2[y2.index("2024年"):] == ["2024年", "3.5", "中交示范工程局 3.5万元"]


def test_innovation_rows(rendered):
    rows = _form_rows(_read(rendered))
    assert _value_after(rows, "创新成果") == "8 项"
    assert _value_after(rows, "成果转化") == "4 项"
    assert _value_after(rows, "实用新型") == "6 个"
    assert _value_after(rows, "发明") == "2 个"
    awards = _row_after(rows, "获奖等级")
    assert awards[awards.index("获奖等级") + 1:] == ["国际 0 个", "国家 1 个", "省部 3 个", "地市 5 个"]


def test_benefit_rows_with_computed_total(rendered):
    rows = _form_rows(_read(rendered))
    header = _row_after(rows, "创收金额")
    assert header[-4:] == ["年  度", "创收金额", "节资金额", "合计"]
    y1 = _row_after(rows, "2023年", "35.5")
    assert y1[y1.index("2023年"):] == ["2023年", "35.5", "60", "95.5"]
    y2 = _row_after(rows, "2024年", "42")
    assert y2[y2.index("2024年"):] == ["2024年", "42", "18.25", "60.25"]


def test_talent_rows(rendered):
    rows = _form_rows(_read(rendered))
    labels = ["双重职称", "高级技师", "技师", "高级工", "其他", "全国劳模", "省部级劳模", "地市级劳模", "企业劳模"]
    header = _row_after(rows, *labels)
    assert header[-9:] == labels
    values = rows[rows.index(header) + 1]
    assert values[-10:] == ["9", "1", "2", "3", "2", "1", "0", "1", "2", "3"]
    assert _value_after(rows, "社会效益").startswith("培训职工 600 人次")


def test_leader_rows(rendered):
    rows = _form_rows(_read(rendered))
    assert _row_after(rows, "工作室领衔人情况") == ["工作室领衔人情况"]
    assert _row_after(rows, "姓名", "李建国") == ["姓名", "李建国", "性别", "男", "出生年月", "197506"]
    assert _row_after(rows, "学历", "汉族") == ["学历", "大学本科", "民族", "汉族", "政治面貌", "中共党员"]
    assert _row_after(rows, "专业/工种") == ["专业/工种", "盾构机操作", "技术职称", "高级工程师",
                                            "联系电话", "13812345678"]
    assert _value_after(rows, "获奖年份及\n荣誉称号*") == "2019年 全国五一劳动奖章；2021年 全国劳动模范"


def test_core_members_fill_14_rows_and_the_attached_table(rendered):
    doc = _read(rendered)
    members = _answers()["members"]
    rows = _form_rows(doc)
    assert _row_after(rows, "工作室骨干成员情况（可附表）") == ["工作室骨干成员情况（可附表）"]
    header_at = rows.index(["姓名", "性别", "出生\n年月", "学历", "技术职称", "所在部门", "主要分工"])
    body = rows[header_at + 1:header_at + 15]
    expected = [[m["name"], m["gender"], m["birth"], m["education"], m["title"], m["department"], m["role"]]
                for m in members]
    assert body == expected[:14]
    assert rows[header_at + 15][0].startswith("创新工作室")
    texts = [p.text for p in doc.paragraphs]
    assert "附表：工作室骨干成员情况（续）" in texts
    attached = _rows(doc.tables[3])
    assert attached[0] == ["姓名", "性别", "出生\n年月", "学历", "技术职称", "所在部门", "主要分工"]
    assert attached[1:] == expected[14:]
    assert len(attached) - 1 == 6


def test_few_members_leave_empty_rows_and_no_attached_table(form):
    values = dict(_answers(), members=_members(3))
    doc = _read(render_application_docx(form, values, year=YEAR))
    rows = _form_rows(doc)
    header_at = rows.index(["姓名", "性别", "出生\n年月", "学历", "技术职称", "所在部门", "主要分工"])
    body = rows[header_at + 1:header_at + 15]
    assert [r[0] for r in body[:3]] == ["孙立", "周磊", "吴敏"]
    assert all(cell == "" for row in body[3:] for cell in row)
    assert "附表：工作室骨干成员情况（续）" not in [p.text for p in doc.paragraphs]


def test_narrative(rendered):
    rows = _form_rows(_read(rendered))
    narrative = _value_after(rows, "创新工作室\n业绩简介\n（不少于\n1000字）")
    assert narrative.replace("\n", "") == NARRATIVE.replace("\n", "")
    assert len(NARRATIVE) == 1100


BOX_LABELS = {"union": "所在单位\n工会意见", "tech": "所在单位\n技术部门\n意见", "party": "所在单位\n党委意见",
              "group": "中国交建\n工会联合会\n审批意见"}


def test_opinion_boxes_empty(rendered):
    rows = _form_rows(_read(rendered))
    for role, label in BOX_LABELS.items():
        box = _value_after(rows, label)
        lines = [line.strip() for line in box.split("\n") if line.strip()]
        if role == "group":                 # the union federation's box has no 负责人签名 line
            assert lines == ["公章", "年  月  日"], lines
            continue
        assert lines[0] == "公章" and len(lines) == 2, (label, lines)
        assert re.fullmatch(r"负责人签名：\s+年  月  日", lines[1]), (label, lines)


def test_opinion_boxes_filled(form):
    doc = _read(render_application_docx(form, _answers(), year=YEAR, opinions=OPINIONS))
    rows = _form_rows(doc)
    for role, label in BOX_LABELS.items():
        box = _value_after(rows, label)
        assert box.startswith(OPINIONS[role]["opinion"])
        lines = [line.strip() for line in box.split("\n") if line.strip()]
        assert lines[-2] == "公章"
        if role == "group":
            assert lines[-1] == "20250603"                  # 说明8: dates as 20180420
            assert "负责人签名" not in box
        else:
            assert re.fullmatch(rf"负责人签名：{OPINIONS[role]['name']}\s+20250603", lines[-1]), lines
        assert "年" not in lines[-1]


def test_overridden_values_print_without_a_marker(form):
    """说明10: the form's format stays; the （人工填写） mark is for chat and JSON only."""
    overrides = {"funding.y1.amount", "innovation.utility", "benefit.y2.savings", "talent.total",
                 "cover.name", "basics.members"}
    doc = _read(render_application_docx(form, _answers(), year=YEAR, overrides=overrides))
    rows = _form_rows(doc)
    assert _row_after(rows, "2023年", "5")
    assert _value_after(rows, "实用新型") == "6 个"
    assert "18.25" in _row_after(rows, "2024年", "42")
    talent_values = rows[rows.index(_row_after(rows, "双重职称")) + 1]
    assert talent_values[-10] == "9"
    assert rows[0][1] == "李建国盾构隧道智能建造劳模创新工作室"
    assert rows[3][3] == "24人/\n25平方米"
    assert _cover_line(doc, "工作室名称") == "李建国盾构隧道智能建造劳模创新工作室"
    assert "人工填写" not in _all_text(doc)


def test_missing_values_print_empty(form):
    values = {"cover.name": "张三工作室", "members": []}
    doc = _read(render_application_docx(form, values, year=YEAR))
    rows = _form_rows(doc)
    assert rows[0] == ["工作室名称", "张三工作室", "创建日期", ""]
    assert rows[3][3] == ""
    assert _row_after(rows, "2023年")[-2:] == ["", ""]
    assert "None" not in _all_text(doc)


def test_every_run_is_fangsong_12pt(form):
    doc = _read(render_application_docx(form, _answers(), year=YEAR, opinions=OPINIONS,
                                        overrides={"talent.total"}))
    normal = doc.styles["Normal"]
    assert normal.font.name == "仿宋"
    assert normal.font.size.pt == 12
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    titles = {"中国交建劳模（工匠人才）创新工作室": 22, "申报审批表": 22, "填 表 说 明": 16}
    runs = list(doc.element.body.iter(qn("w:r")))
    assert len(runs) > 300
    for r in runs:
        run = docx.text.run.Run(r, None)
        assert run.font.name == "仿宋", r.xml
        assert run.font.size is not None and run.font.size.pt == titles.get(run.text, 12), r.xml
        assert r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋", r.xml


def test_table_has_borders_and_a4_page(rendered):
    doc = _read(rendered)
    assert all(t.style.name == "Table Grid" for t in doc.tables)
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


# --- JSON ----------------------------------------------------------------------------------

def test_application_json(form):
    data = application_json(form, _answers())
    for label in ("工作室名称", "所在单位", "单位类型", "推荐单位", "填报日期", "创建日期", "命名单位",
                  "专业领域", "命名日期", "工作室类型", "成员总数", "场所面积", "经费投入", "技术创新",
                  "经济效益", "培养人才", "社会效益", "工作室领衔人情况", "工作室骨干成员情况", "创新工作室业绩简介"):
        assert label in data, label
    assert data["工作室名称"] == "李建国盾构隧道智能建造劳模创新工作室"
    assert data["创建日期"] == "20180420"
    assert data["经费投入"]["2023"] == {
        "投入金额": "5",
        "经费来源": [{"单位": "中交示范工程局", "金额": "3"}, {"单位": "中交隧道局", "金额": "2"}]}
    assert data["经费投入"]["2024"]["投入金额"] == "3.5"
    assert data["技术创新"] == {"创新成果": 8, "成果转化": 4, "实用新型": 6, "发明": 2,
                              "国际": 0, "国家": 1, "省部": 3, "地市": 5}
    assert data["经济效益"] == {"2023": {"创收金额": "35.5", "节资金额": "60", "合计": "95.5"},
                              "2024": {"创收金额": "42", "节资金额": "18.25", "合计": "60.25"}}
    talent = data["培养人才"]
    assert talent["总数"] == 9
    assert talent["技术等级"] == {"双重职称": 1, "高级技师": 2, "技师": 3, "高级工": 2, "其他": 1}
    assert talent["荣誉"] == {"全国劳模": 0, "省部级劳模": 1, "地市级劳模": 2, "企业劳模": 3}
    assert talent["明细"][0] == {"姓名": "赵磊", "晋升情况": "2023年晋升为高级技师", "荣誉情况": "2024年获企业劳模"}
    assert data["社会效益"].startswith("培训职工")
    leader = data["工作室领衔人情况"]
    assert {k: leader[k] for k in ("姓名", "性别", "出生年月", "学历", "民族", "政治面貌", "专业/工种",
                                   "技术职称", "联系电话")} == {
        "姓名": "李建国", "性别": "男", "出生年月": "197506", "学历": "大学本科", "民族": "汉族",
        "政治面貌": "中共党员", "专业/工种": "盾构机操作", "技术职称": "高级工程师", "联系电话": "13812345678"}
    assert leader["获奖年份及荣誉称号"] == [{"获奖年份": 2019, "荣誉称号": "全国五一劳动奖章"},
                                      {"获奖年份": 2021, "荣誉称号": "全国劳动模范"}]
    members = data["工作室骨干成员情况"]
    assert len(members) == 20
    assert members[0] == {"姓名": "孙立", "性别": "男", "出生年月": "197501", "学历": "大学本科",
                          "技术职称": "工程师", "所在部门": "技术部", "主要分工": "BIM 建模"}
    assert data["创新工作室业绩简介"] == NARRATIVE


def test_application_json_missing_values(form):
    data = application_json(form, {"cover.name": "张三工作室"})
    assert data["工作室名称"] == "张三工作室"
    assert data["经济效益"]["2023"]["合计"] is None
    assert data["工作室骨干成员情况"] == []
    assert data["经费投入"]["2024"]["经费来源"] == []


# --- 附件2 materials -------------------------------------------------------------------------




def test_materials_from_values_and_ledgers(form):
    doc = _read(render_materials_docx(form, _answers(), year=YEAR, ledgers=LEDGERS))
    texts = [p.text for p in doc.paragraphs]
    positions = [texts.index(h) for h in OUTLINE]
    assert positions == sorted(positions)
    for heading in OUTLINE:
        paragraph = doc.paragraphs[texts.index(heading)]
        level = 2 if heading.startswith("（") else 1
        assert paragraph.style.name == f"Heading {level}", heading
        assert all(run.bold and run.font.size.pt == {1: 16, 2: 14}[level] for run in paragraph.runs), heading
    text = _all_text(doc)
    assert "李建国盾构隧道智能建造劳模创新工作室" in text
    assert "盾构隧道施工" in text
    assert "25平方米" in text
    assert "2023年投入经费5万元（中交示范工程局 3万元；中交隧道局 2万元）" in text
    assert "工作室现有成员24人，其中骨干成员20人" in text
    assert "开展培训3场，培训120人次" in text              # the 2022 session is outside the two years
    assert "签订师带徒2对" in text
    assert "开展技术交流2场，参与85人次" in text
    assert "实用新型专利2个" in text and "发明专利1个" in text
    assert "获国家级奖1个、省部级奖3个、地市级奖5个" in text and "国际级" not in text     # no 0 counts
    assert "近两年共培养人才9人" in text
    assert "2023年创收35.5万元、节资60万元，合计95.5万元" in text
    # the leader's 「培训职工 600 人次」 is not told beside the ledger's 3场/120人次 (left out, reported)
    assert "社会效益：盾构姿态纠偏成果在集团内 5 个地铁项目推广应用。" in text and "600" not in text
    assert "近两年经费支出1笔，共1.2万元，主要用于设备购置" in text
    assert doc.tables and _rows(doc.tables[0])[1][0] == "孙立"
    assert len(doc.tables[0].rows) == 21
    index = texts.index("（一）制度建立情况")
    assert texts[index + 1] == "（待补充）"


def test_materials_read_as_prose(form):
    """The narrative opens 基本情况 in whole sentences, and the studio's full name is written once."""
    name = _answers()["cover.name"]
    narrative = f"{name}成立于2018年。" + NARRATIVE
    doc = _read(render_materials_docx(form, dict(_answers(), narrative=narrative), year=YEAR, ledgers=LEDGERS))
    texts = [p.text for p in doc.paragraphs]
    body = texts[texts.index("一、基本情况") + 1:]
    assert body[0].startswith(f"{name}（以下简称工作室）创建于2018年4月20日")
    opening = body[1]
    flat = narrative.replace("\n", "").replace(name, "工作室")
    assert opening.startswith("工作室成立于2018年。工作室自2018年4月组建以来")
    assert flat.startswith(opening) and opening.endswith("。") and len(opening) <= 200
    assert flat[len(opening)] != "，"                     # cut between sentences
    text = _all_text(doc)
    assert "……" not in text
    assert text.count(name) == 2                          # the title and the first sentence
    assert texts[1] == f"{name}申报材料"


def test_materials_without_ledgers_ask_to_fill_in(form):
    doc = _read(render_materials_docx(form, {"cover.name": "张三工作室"}, year=YEAR))
    texts = [p.text for p in doc.paragraphs]
    for heading in OUTLINE[2:5] + OUTLINE[6:]:
        assert texts[texts.index(heading) + 1].endswith("（待补充）"), heading
    sizes = {"中国交建劳模（工匠人才）创新工作室": 18, "张三工作室申报材料": 18,
             **{h: 14 if h.startswith("（") else 16 for h in OUTLINE}}
    for r in doc.element.body.iter(qn("w:r")):
        assert r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
        assert r.rPr.sz.val.pt == sizes.get(docx.text.run.Run(r, None).text, 12)
    heading = doc.styles["Heading 1"]
    assert heading.font.color.rgb == docx.shared.RGBColor(0, 0, 0)
    assert heading.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"


def _materials_text(values, ledgers=None, record=None):
    made = materials_draft(application_form(YEAR), values, year=YEAR, ledgers=ledgers, record=record)
    return _all_text(_read(made.docx())), made


def test_materials_count_only_confirmed_spending():
    """An expense held for the unit union, or refused, is not money spent (台账 data ``hold``)."""
    funding = [
        {"date": "20230301", "direction": "收入", "unit": "中交示范工程局", "amount": "3"},
        {"date": "20230801", "direction": "支出", "purpose": "全站仪", "category": "设备购置", "amount": "1.2"},
        {"date": "20231001", "direction": "支出", "purpose": "样品试验", "category": "研究费用", "amount": "0.5",
         "hold": "confirmed"},
        {"date": "20240201", "direction": "支出", "purpose": "办公用品", "category": "设备购置", "amount": "0.8",
         "hold": "pending"},
        {"date": "20240301", "direction": "支出", "purpose": "课题组成员技术服务费", "category": "研究费用",
         "amount": "2", "hold": "refused"},
    ]
    text, made = _materials_text(_answers(), dict(LEDGERS, funding=funding))
    assert "近两年经费支出2笔，共1.7万元，主要用于全站仪、样品试验。" in text
    assert "办公用品" not in text and "技术服务费" not in text and "2.8" not in text
    assert "经费台账中 2 笔支出（共 2.8 万元）尚待单位工会确认，未计入附件2的经费支出。" in made.left_out


def test_materials_tell_each_fact_once():
    narrative = ("工作室坚持把人才培养作为重要任务，近两年开展培训32期，培训职工1260人次。"
                 "工作室坚持创新驱动发展。") + NARRATIVE
    values = dict(_answers(), narrative=narrative,
                  social="工作室坚持创新驱动发展。开展培训3场，培训120人次，成果在5个项目推广应用。")
    text, made = _materials_text(values, LEDGERS)
    # the ledger's 3场/120人次 is told once; the leader's 32期/1260人次 is left out, and said why
    assert text.count("培训120人次") == 1 and "32期" not in text and "1260" not in text
    assert ("业绩简介中的「近两年开展培训32期」未写入附件2：活动台账记录近两年培训3场、120人次，附件2以台账为准。"
            "请核对后修改业绩简介或补记台账。") in made.left_out
    assert "业绩简介中的「培训职工1260人次」未写入附件2" in "".join(made.left_out)
    assert len(made.left_out) == 2                       # the same figures again are not a difference
    assert "工作室坚持把人才培养作为重要任务。" in text
    assert "社会效益：成果在5个项目推广应用。" in text
    # no sentence twice: not the narrative's in 社会效益, not 一's counts in 三（一）
    assert text.count("工作室坚持创新驱动发展。") == 1
    assert text.count("取得创新成果8项") == 1
    assert text.count("富水砂层盾构始发风险控制") == 1    # 立项 named in 三（一） only
    assert text.count("管片拼装定位装置节约工期") == 1    # 经济效益 in 三（三） only
    assert "专业领域为盾构隧道施工" in text and "主要创新专业领域" not in text      # the field in 一 only
    assert text.count("晋升为高级技师") == 1             # the 培养人才明细, not again from the member ledger
    sentences = [s for s in re.findall(r"[^。]+。", text.replace("\n", "")) if len(s) >= 8]
    assert len(sentences) == len(set(sentences))


def test_materials_list_what_is_still_to_supply(form):
    text, made = _materials_text({"cover.name": "张三工作室"})
    supply = made.to_supply()
    assert supply[:3] == ["一、基本情况：工作室建立的背景及意义（填写申报表的「业绩简介」）",
                          "一、基本情况：重点研究、攻关的领域及方向（填写申报表的「专业领域」）",
                          "一、基本情况：活动场地（填写申报表的「场所面积」）"]
    for heading in ("二（一）制度建立情况（发送「制度」记录已建立的制度）", "二（二）日常运作情况（活动记入活动台账）",
                    "三（三）取得效益情况：经济效益（填写申报表的「经济效益」）", "三（四）开展技术交流协作情况（技术交流记入活动台账）"):
        assert heading in supply, supply
    assert text.count("（待补充）") == len(supply)          # each placeholder is listed, nothing else
    record = {"rules": {"kinds": ["团队学习", "内部管理"], "files": 2}, "venue": {"kinds": ["挂牌", "研讨"], "files": 1},
              "equipment": {"kinds": ["电脑网络"], "files": 0}}
    ledgers = dict(LEDGERS, activities=[dict(e, notes="交流了盾构始发经验") if e["kind"] == "技术交流" else e
                                        for e in LEDGERS["activities"]])
    text, made = _materials_text(_answers(), ledgers, record)
    assert made.to_supply() == [] and "（待补充）" not in text
    assert "工作室建立了团队学习制度、内部管理制度，制度文件 2 份附后。尚未建立：活动开展、创新计划、成果发布、奖励激励制度。" in text
    assert "工作室有固定活动场所25平方米，已挂牌，用于研讨；配备电脑网络等设备设施。" in text
    assert "交流效果：交流了盾构始发经验。" in text


# --- PDF through LibreOffice ------------------------------------------------------------------



def _to_pdf(data, tmp_path, name="申报审批表"):
    """The DOCX through LibreOffice as the package converts it (a private profile, 仿宋 mapped)."""
    source = tmp_path / f"{name}.docx"
    source.write_bytes(data)
    profile = Path(tempfile.mkdtemp(prefix="lo-", dir="/tmp"))
    try:
        package.convert(_tool("soffice"), [source], tmp_path, profile)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return tmp_path / f"{name}.pdf"


def _pdf_pages(pdf) -> list[str]:
    """The PDF's pages as pdftotext -layout prints them (a table row on one line)."""
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], check=True, timeout=60,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def test_converts_to_pdf_with_libreoffice(rendered, tmp_path):
    pdf = _to_pdf(rendered, tmp_path)
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")


def test_pdf_labels_and_values_do_not_wrap(form, tmp_path):
    """LibreOffice's layout: pages in order, labels and values of normal length on one line."""
    pages = _pdf_pages(_to_pdf(render_application_docx(form, _answers(), year=YEAR, opinions=OPINIONS), tmp_path))
    assert "申报审批表" in pages[0] and "填表说明" not in pages[0].replace(" ", "")
    assert "填表说明" in pages[1].replace(" ", "")
    assert len(pages) <= 6
    text = "\n".join(pages[2:])
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    for pattern in (r"工作室名称 李建国盾构隧道智能建造劳模创新工作室 创建日期 20180420",
                    r"所在单位 中交示范工程局有限公司 命名单位\* 省总工会",
                    r"工作室类型", r"成员总数/ +24 人/", r"场所面积 +25 平方米",
                    r"专业/工种 盾构机操作 技术职称 高级工程师 联系电话 13812345678",
                    r"获奖年份及", r"荣誉称号\*", r"全国 省部级 地市级 企业", r"技师 高级工 其他",
                    r"周磊 男 197602 硕士研究生 高级工程师 工程部 盾构掘进参数分析",
                    r"吴敏 女 197703 大学专科 助理工程师 设备物资部 管片拼装工艺"):
        assert any(re.search(pattern, line) for line in lines), (pattern, text)
    for broken in ("获奖年份\n", "138123456\n"):         # how the old layout broke them
        assert broken not in text.replace(" ", ""), broken
