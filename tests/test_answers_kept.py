"""Answers kept as meant (issue 26): nothing typed is thrown away when two answers disagree, optional means
optional, corrections and questions in plain words, estimates marked, no proof asked for a 0."""
import io

import pytest
from docx import Document
from sqlalchemy import select

from handlers.application import materials
from handlers.application.docx_render import render_application_docx
from handlers.application.schema import application_form
from storage import applications
from storage.models import Application, Attachment
from tests.test_proofs import send_file

pytestmark = pytest.mark.usefixtures("may_2025")

MEMBER = "成员{n} 男 1986年3月 大学本科 工程师 技术部 BIM建模"


def answers(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        return applications.load_answers(s, app.id) if app else {}


def flags(bot):
    with bot.db.session() as s:
        return s.scalar(select(Application)).flags or {}


@pytest.fixture
def leader(chat):
    leader = chat("leader")
    leader.send("申报")
    return leader


def _cells(docx):
    """The text of every cell of the document's tables, each merged cell once, in reading order."""
    kept, texts = [], []            # the cells' elements are kept alive, so their ids stay theirs
    for table in Document(io.BytesIO(docx)).tables:
        for row in table.rows:
            for cell in row.cells:
                if not any(cell._tc is tc for tc in kept):
                    kept.append(cell._tc)
                    texts.append(cell.text)
    return texts


def _members(leader, n):
    leader.send("修改 骨干成员")
    for i in range(1, n + 1):
        assert f"✓ 已添加第 {i} 位" in leader.send(MEMBER.format(n=i))


# -- 1. nothing typed is thrown away ------------------------------------------------------------------

def test_a_row_past_the_total_is_stopped_before_its_first_field_and_the_walk_comes_back(bot, leader):
    assert "✓ 成员总数：15 人" in leader.send("成员总数：共十五名")
    _members(leader, 14)
    reply = leader.press("添加一位")
    assert "要添加第 15 位，但成员总数为 15 人，但骨干成员已列 15 位" in reply
    assert "第 15 位 姓名" not in reply and "第 15 位还没有开始填写" in reply
    assert leader.buttons() == ["先改「成员总数」"]
    assert "成员总数当前为 15 人。请输入新的值" in leader.press("先改「成员总数」")
    reply = leader.send("十七人")
    assert "✓ 成员总数：15 人 → 17 人" in reply and reply.endswith("第 15 位 姓名：成员姓名，例如 孙立。")
    for value in ("孙立", "男", "1986年3月", "本科", "工程师", "技术部"):
        leader.send(value)
    assert "✓ 已添加第 15 位：孙立" in leader.send("BIM建模")
    assert "✓ 已添加第 16 位" in leader.send(MEMBER.format(n=16))
    stored = answers(bot)
    assert len(stored["members"]) == 16 and stored["basics.members"] == 17
    assert [m["name"] for m in stored["members"][13:]] == ["成员14", "孙立", "成员16"]


def test_a_whole_row_refused_is_kept_and_saved_once_the_total_is_corrected(bot, leader):
    leader.send("成员总数：15")
    _members(leader, 14)
    reply = leader.send(MEMBER.format(n=15))
    assert "骨干成员已列 15 位" in reply and "这一位（成员15，男，198603" in reply and "已记下，暂未保存" in reply
    assert len(answers(bot)["members"]) == 14
    leader.press("先改「成员总数」")
    reply = leader.send("16")
    assert "✓ 成员总数：15 人 → 16 人" in reply and "保存刚才记下的这一位" in reply and "✓ 已添加第 15 位：成员15" in reply
    assert len(answers(bot)["members"]) == 15


def test_a_held_row_is_saved_when_the_total_is_corrected_in_plain_words(bot, leader):
    leader.send("成员总数：15")
    _members(leader, 14)
    leader.send(MEMBER.format(n=15))
    reply = leader.send("成员总数改成18人")
    assert "✓ 成员总数：15 人 → 18 人" in reply and "✓ 已添加第 15 位：成员15" in reply
    assert [m["name"] for m in answers(bot)["members"]][-1] == "成员15"


def test_a_pasted_table_past_the_total_waits_for_the_correction(bot, leader):
    leader.send("成员总数：3")
    leader.send("修改 骨干成员")
    table = "\n".join(MEMBER.format(n=n) for n in range(1, 5))
    assert "识别到 4 行" in leader.send(table)
    reply = leader.press("全部添加")
    assert "粘贴的 4 位已记下，暂未添加" in reply and "members" not in answers(bot)
    leader.press("先改「成员总数」")
    reply = leader.send("5人")
    assert "回到刚才粘贴的内容。确认添加这 4 位吗？" in reply
    assert "✓ 已添加 4 位" in leader.press("全部添加")
    assert len(answers(bot)["members"]) == 4


def test_the_naming_date_with_the_unit_skipped_offers_the_way_out(bot, leader):
    for line in ("工作室名称：王海隧道掘进劳模创新工作室", "创建日期：2018年4月20日"):
        leader.send(line)
    reply = leader.send("命名单位：没有")
    assert "已跳过 命名单位（您说“没有”，表中留空）；命名日期也一并跳过" in reply
    leader.send("专业领域：隧道盾构施工")
    reply = leader.send("命名日期：2019年5月1日")
    assert "「命名单位」为空" in reply and "修改 命名日期" not in reply       # no dead end: not 「修改」 where it is
    assert "您写的「20190501」已记下" in reply and leader.buttons() == ["先改「命名单位」"]
    assert "命名单位还没有填写" in leader.press("先改「命名单位」")
    reply = leader.send("省总工会")
    assert "✓ 命名单位：省总工会" in reply and "✓ 命名日期：20190501" in reply
    assert "继续第 2 项 所在单位" in reply                                  # and back where the walk was
    stored = answers(bot)
    assert stored["basics.named_by"] == "省总工会" and stored["basics.named_on"] == "20190501"
    assert "basics.named_by" not in flags(bot)["skipped"] and "basics.named_on" not in flags(bot)["skipped"]


def test_after_a_correction_the_walk_resumes_exactly_where_it_was(bot, leader):
    for typed in ("王海隧道掘进劳模创新工作室", "中交示范工程局有限公司", "施工企业", "工会", "今天", "2020年3月18日"):
        leader.send(typed)
    assert "第 7 项 命名单位" in leader.last[-1].text
    reply = leader.send("刚才的创建日期写错了，应该是2020年3月28日")
    assert "✓ 创建日期：20200318 → 20200328" in reply and "继续第 7 项 命名单位" in reply
    assert "创建日期当前为 20200328" in leader.send("修改创建日期")
    reply = leader.send("2020年3月29日")
    assert "✓ 创建日期：20200328 → 20200329" in reply and "回到刚才的地方：继续第 7 项 命名单位" in reply


def test_back_then_a_new_value_returns_to_the_place_not_past_it(bot, leader):
    for typed in ("王海隧道掘进劳模创新工作室", "中交示范工程局有限公司", "施工企业"):
        leader.send(typed)
    assert "回到 单位类型（当前 施工企业）" in leader.send("上一步")
    reply = leader.send("国有企业")
    assert "✓ 单位类型：施工企业 → 国有企业" in reply and "第 4 项 推荐单位" in reply
    leader.send("工会")
    assert "第 5 项 填报日期" in leader.last[-1].text
    leader.send("修改 所在单位")
    assert "回到刚才的地方：继续第 5 项 填报日期" in leader.send("继续")     # kept as it is: back, not on


# -- 2. optional means optional ------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["没有", "无", "暂无", "还没有", "不适用"])
def test_nothing_at_an_optional_field_is_a_skip_said_back(bot, leader, said):
    leader.send("修改 命名单位")
    reply = leader.send(said)
    assert f"已跳过 命名单位（您说“{said}”，表中留空）；命名日期也一并跳过" in reply
    assert "basics.named_by" not in answers(bot)
    assert {"basics.named_by", "basics.named_on"} <= set(flags(bot)["skipped"])


def test_none_at_the_naming_date_is_a_skip_not_refused(bot, leader):
    leader.send("命名单位：省总工会")
    reply = leader.send("命名日期：无")
    assert "已跳过 命名日期（您说“无”，表中留空）" in reply and "没能识别" not in reply
    assert "basics.named_on" not in answers(bot) and answers(bot)["basics.named_by"] == "省总工会"


def test_a_skipped_unit_is_printed_as_nothing_in_the_form_and_in_attachment_2(bot, leader):
    leader.send("工作室名称：王海隧道掘进劳模创新工作室")
    leader.send("创建日期：2018年4月20日")
    leader.send("命名单位：没有")
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        values = applications.load_answers(s, app.id)
        draft = materials.draft(s, bot.config, app)
    text = "\n".join(b for section in draft.sections for b in section.blocks if isinstance(b, str))
    assert "命名" not in text.split("。")[0] and "没有" not in text
    cells = _cells(render_application_docx(application_form(2025), values, year=2025))
    assert cells[cells.index("命名单位*") + 1] == "" and "没有" not in cells


def test_an_old_none_value_stored_as_the_unit_is_not_printed(bot):
    form = application_form(2025)
    values = {"cover.name": "王海工作室", "basics.named_by": "没有", "basics.named_on": "20190501"}
    cells = _cells(render_application_docx(form, values, year=2025))
    assert "没有" not in cells and "20190501" not in cells
    from handlers.application.attachment2 import draft
    text = "".join(b for sec in draft(form, values, year=2025).sections for b in sec.blocks if isinstance(b, str))
    assert "被没有命名" not in text and "命名" not in text.split("。")[0]


def test_a_zero_at_a_starred_item_asks_for_no_proof(bot, leader):
    reply = leader.send("国际奖：无")
    assert "✓ 国际奖：0 个" in reply and "证明材料" not in reply
    reply = send_file(bot, name="奖状.jpg")
    assert "已附在「国际奖」下" not in reply
    reply = leader.send("国家奖：1")
    assert "此项需提供证明材料" in reply
    assert "已附在「国家奖」下" in send_file(bot, name="奖状.jpg")
    with bot.db.session() as s:
        assert [a.field_key for a in s.scalars(select(Attachment))] == ["innovation.award_national"]


# -- 4. estimates --------------------------------------------------------------------------------------

def test_an_estimate_is_kept_with_the_answer_marked_in_the_preview_and_listed_at_submit(bot, leader):
    from tests.form_data import fill_all
    fill_all(leader)
    reply = leader.send("2023年创收金额：约20万")
    assert "✓ 2023年创收金额：35.5 万元 → 20 万元" in reply and "估计数" in reply
    assert flags(bot)["estimates"] == ["benefit.y1.income"]
    assert "创收金额：20 万元（估计数）" in leader.send("预览")
    reply = leader.send("提交")
    assert "以下带 * 的数字是按估计数填写的，请核实" in reply and "2023年创收金额 20 万元" in reply
    leader.press("再看看")
    leader.send("2023年创收金额：20万")
    assert flags(bot)["estimates"] == []
    assert "估计数" not in leader.send("提交")


# -- 6. corrections and questions in plain words ---------------------------------------------------------

@pytest.mark.parametrize("typed", ["刚才的创建日期写错了，应该是2020年3月28日", "创建日期改成2020年3月28日",
                                   "把创建日期改为2020年3月28日", "创建日期 2020年3月28日", "创建日期有误，应为2020年3月28日"])
def test_a_correction_in_plain_words(bot, leader, typed):
    leader.send("创建日期：2020年3月18日")
    reply = leader.send(typed)
    assert "✓ 创建日期：20200318 → 20200328" in reply and "继续第 1 项" in reply
    assert answers(bot)["basics.created_on"] == "20200328"


def test_edit_without_a_space_and_a_label_with_a_value_that_does_not_read_is_an_answer(bot, leader):
    leader.send("创建日期：2020年3月18日")
    assert "创建日期当前为 20200318" in leader.send("修改创建日期")
    leader.send("2020年3月28日")
    leader.send("修改 工作室名称")
    reply = leader.send("成员总数 很多人")           # not a number of people: the answer to the field asked
    assert "✓ 创新工作室名称：成员总数 很多人" in reply and "basics.members" not in answers(bot)


def test_a_question_about_a_field_is_answered_from_its_instructions_and_the_field_asked_again(bot, leader):
    leader.send("修改 成员总数")
    reply = leader.send("经费投入是填单位拨的钱还是我们自己花的？")
    assert "「经费投入」：填所在单位（或多家单位）为工作室投入的经费" in reply and "填表说明 3" in reply
    assert reply.rstrip().endswith("例如 15人。") and "成员总数" in reply.splitlines()[-1]
    reply = leader.send("创收金额要盖章吗？")
    assert "「经济效益」：" in reply and "加盖单位财务章" in reply
    assert answers(bot) == {}
    assert "✓ 成员总数：15 人" in leader.send("15人")


def test_help_at_a_field_says_what_to_fill_not_only_required(leader):
    leader.send("修改 创建日期")
    reply = leader.send("帮助")
    assert "创建日期：以团队模式规范开展工作或被命名的日期" in reply


# -- smaller: a year alone at 获奖年份 is the year, not a title 「年」 ---------------------------------------

def test_a_full_width_year_alone_is_the_year_and_the_title_is_asked(bot, leader):
    leader.send("修改 获奖年份及荣誉称号")
    reply = leader.send("２０２１年")
    assert "荣誉称号" in reply and "已添加" not in reply
    assert "✓ 已添加第 1 项：2021，全国五一劳动奖章" in leader.send("全国五一劳动奖章")
    assert answers(bot)["leader.honours"] == [{"year": 2021, "title": "全国五一劳动奖章"}]


# -- smaller: 工作室类型 takes one or more of the four boxes ---------------------------------------------

def test_the_studio_type_takes_one_or_more_boxes_and_other_with_its_words(bot, leader):
    leader.send("修改 工作室类型")
    assert leader.buttons()[:4] == ["技术攻关", "技能传授", "窗口服务", "其他"]
    assert "可以选一项或多项" in leader.last[-1].text
    reply = leader.send("技术攻关和技能传授")
    assert "✓ 工作室类型：技术攻关、技能传授" in reply
    assert answers(bot)["basics.type"] == ["技术攻关", "技能传授"]
    leader.send("修改 工作室类型")
    assert "请写明是什么类型" in leader.press("其他")
    assert "✓ 工作室类型：技术攻关、技能传授 → 其他（智能建造）" in leader.send("其他：智能建造")
    leader.send("修改 工作室类型")
    reply = leader.send("1、其他：智能建造")
    assert "✓ 工作室类型：其他（智能建造） → 技术攻关、其他（智能建造）" in reply
    cells = _cells(render_application_docx(application_form(2025), answers(bot), year=2025))
    boxes = cells[cells.index("工作室类型") + 1]
    assert "■技术攻关" in boxes and "■其他（智能建造）" in boxes and "□技能传授" in boxes and "□窗口服务" in boxes


def test_a_single_type_stored_before_is_still_read():
    form = application_form(2025)
    cells = _cells(render_application_docx(form, {"basics.type": "窗口服务"}, year=2025))
    boxes = cells[cells.index("工作室类型") + 1]
    assert boxes.count("■") == 1 and "■窗口服务" in boxes
    assert form.by_key["basics.type"].display("窗口服务") == "窗口服务"
