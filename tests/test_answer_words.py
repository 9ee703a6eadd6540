"""The words of answers, read without a conversation (issue 26): 没有 at an optional field, a narrative's asides
and parts commands, corrections in plain words, a year alone at 获奖年份, several 工作室类型 boxes."""
import pytest

from bot.errors import InvalidInput
from bot.forms import asides, corrections, parts, rows
from handlers.application.schema import application_form

FORM = application_form(2025)
NARRATIVE = FORM.by_key["narrative"]


@pytest.mark.parametrize("text, none", [
    ("没有", True), ("无", True), ("暂无", True), ("还没有", True), ("不适用", True), ("无。", True), ("没", True),
    ("目前没有", True), ("没有被命名", True), ("未命名", True), ("没有命名", True), ("不涉及", True), ("无此项", True),
    ("省总工会", False), ("无锡市总工会", False), ("2019年5月1日", False), ("没有问题的单位", False), ("", False),
])
def test_nothing_to_state(text, none):
    assert asides.is_none(text) is none


@pytest.mark.parametrize("text, kind", [
    ("业绩简介要写哪些内容？", "question"), ("有没有模板", "question"), ("简介写多少字合适", "question"),
    ("这里可以写成果吗?", "question"), ("业绩简介我先发一部分", "remark"), ("下面是第二部分", "remark"),
    ("接下来发第三段", "remark"), ("好，稍等", "remark"), ("简介", "remark"), ("谢谢", "unsure"),
    ("一、基本情况", "unsure"), ("我们工作室成立于2018年。", ""), ("工作室成立于二〇一八年，围绕盾构施工开展攻关。" * 3, ""),
])
def test_what_a_message_at_the_narrative_is(text, kind):
    assert asides.about_longtext(text, NARRATIVE) == kind


@pytest.mark.parametrize("text, command", [
    ("简介 列表", ("list",)), ("列表", ("list",)), ("业绩简介列表", ("list",)), ("删除第2段", ("delete", 2)),
    ("删除 第二段", ("delete", 2)), ("替换第1段 新的内容", ("replace", 1, "新的内容")),
    ("替换第一段 工作室成立于二〇一八年，围绕盾构。", ("replace", 1, "工作室成立于二〇一八年，围绕盾构。")),
    ("第1段改成：新的，内容。", ("replace", 1, "新的，内容。")), ("第3段移到第1段", ("move", 3, 1)),
    ("把第3段移到第1段前", ("move", 3, 1)), ("第1段移到第3段后", ("move", 1, 3)), ("第1段移到第3段前", ("move", 1, 2)),
    ("第2段移到最后", ("move", 2, 10 ** 6)), ("第十二段移到最前", ("move", 12, 1)), ("上移第3段", ("move", 3, 2)),
    ("第3段下移", ("move", 3, 4)), ("工作室成立于2018年", None), ("简介要写什么", None),
])
def test_the_parts_commands_of_a_narrative(text, command):
    assert parts.command(text, NARRATIVE) == command


def test_parts_move_and_split():
    assert parts.move(["a", "b", "c"], 3, 1) == ["c", "a", "b"]
    assert parts.move(["a", "b", "c"], 1, 3) == ["b", "c", "a"]
    assert parts.move(["a", "b", "c"], 2, 10 ** 6) == ["a", "c", "b"]
    assert parts.split(" 第一段 \n\n第二段\r\n") == ["第一段", "第二段"]


@pytest.mark.parametrize("text, said", [
    ("刚才的创建日期写错了，应该是2020年3月28日", ("set", "创建日期", "2020年3月28日")),
    ("创建日期改成2020年3月28日", ("set", "创建日期", "2020年3月28日")),
    ("把成员总数改为17人", ("set", "成员总数", "17人")),
    ("领衔人联系电话有误，应为13912345678", ("set", "领衔人联系电话", "13912345678")),
    ("之前填的场所面积不对，应该是36平米", ("set", "场所面积", "36平米")),
    ("修改创建日期", ("edit", "创建日期")), ("更正场所面积", ("edit", "场所面积")),
    ("创建日期 2020年3月28日", ("pair", "创建日期", "2020年3月28日")),
    ("孙立 男 1986年3月", ("pair", "孙立", "男 1986年3月")),
    ("王海隧道掘进劳模创新工作室", None), ("经费投入是填单位拨的钱还是我们自己花的？", None), ("", None),
])
def test_corrections_in_plain_words(text, said):
    assert corrections.read(text) == said


@pytest.mark.parametrize("text, cells", [
    ("２０２１年", ["２０２１年"]), ("2021年度", ["2021年度"]), ("2021", ["2021"]),
    ("2019年全国五一劳动奖章", ["2019", "全国五一劳动奖章"]), ("2019全国五一劳动奖章", ["2019", "全国五一劳动奖章"]),
    ("2019年度优秀员工", ["2019", "优秀员工"]), ("2019年 全国五一劳动奖章", ["2019年", "全国五一劳动奖章"]),
])
def test_a_year_alone_at_the_honours_is_no_title(text, cells):
    assert rows.split_cells(text, FORM.by_key["leader.honours"]) == cells


@pytest.mark.parametrize("text, value", [
    ("1", ["技术攻关"]), ("攻关", ["技术攻关"]), ("技术攻关、技能传授", ["技术攻关", "技能传授"]), ("1 2", ["技术攻关", "技能传授"]),
    ("攻关和传授", ["技术攻关", "技能传授"]), ("窗口服务，技术攻关", ["技术攻关", "窗口服务"]),
    ("其他：智能建造", ["其他（智能建造）"]), ("技术攻关，其他（BIM应用）", ["技术攻关", "其他（BIM应用）"]),
    ("我们是技术攻关和技能传授型", ["技术攻关", "技能传授"]),
])
def test_one_or_more_studio_types(text, value):
    assert FORM.by_key["basics.type"].parse(text, {}) == value


@pytest.mark.parametrize("text, says", [("其他", "请写明是什么类型"), ("第九种", "1. 技术攻关"), ("", "请选择")])
def test_a_studio_type_not_understood_is_asked_again(text, says):
    with pytest.raises(InvalidInput) as refused:
        FORM.by_key["basics.type"].parse(text, {})
    assert says in str(refused.value)


@pytest.mark.parametrize("text, found", [
    ("经费投入是填单位拨的钱还是我们自己花的？", ("block", "经费投入")), ("创收金额要盖章吗？", ("block", "经济效益")),
    ("成员总数包括领衔人吗？", ("field", "basics.members")), ("这个怎么填？", None),
])
def test_the_field_a_question_names(text, found):
    got = asides.mentioned(FORM, text)
    assert (got if got is None or got[0] == "block" else (got[0], got[1].key)) == found
