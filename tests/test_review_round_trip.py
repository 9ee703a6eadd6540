"""A 退回 and its round trip: exactly the fields a comment names, more picked by button, the changes shown on
resubmission, and reviewers' prompts without the leader's instructions (issue 26 item 7)."""
import pytest
from sqlalchemy import select

from handlers.application.schema import application_form
from handlers.review import fields as review_fields
from storage import applications
from storage.models import Application
from tests.test_proofs import send_file


@pytest.fixture(autouse=True)
def may_2025(may_2025):
    return may_2025


# -- which fields a comment names (fields_named over- and under-matched) ------------------------------

Y1, Y2 = ("benefit.y1.income", "benefit.y1.savings"), ("benefit.y2.income", "benefit.y2.savings")


@pytest.mark.parametrize("comment, keys", [
    # named before, and still
    ("2024年经费来源请补充来源单位和金额", ["funding.y2.sources"]),
    ("领衔人联系电话有误", ["leader.phone"]),
    ("成果转化的证明材料不全，请补充", ["innovation.applied"]),
    # a block's name with its year: the fields under it (the spec's example)
    ("经费投入 2024 年请补充来源单位和金额", ["funding.y2.amount", "funding.y2.sources"]),
    ("24年节资金额偏高", ["benefit.y2.savings"]),
    # under-matched before: a block named without a year is both years', every field of it
    ("经济效益证明材料须加盖单位财务章原件", [*Y1, *Y2]),
    ("创收金额请附财务证明", ["benefit.y1.income", "benefit.y2.income"]),
    ("2023年创收金额请附财务证明", ["benefit.y1.income"]),
    ("专利证书复印件不清楚", ["innovation.utility", "innovation.invention"]),
    ("获奖等级填写有误", ["innovation.award_intl", "innovation.award_national", "innovation.award_provincial",
                    "innovation.award_city"]),
    ("命名日期与命名单位不符", ["basics.named_by", "basics.named_on"]),
    # over-matched before: 总数 inside 成员总数 is not 培养人才总数; 技师 inside 高级技师 is not 技师
    ("成员总数与骨干成员名单不一致", ["basics.members", "members"]),
    ("高级技师人数有误", ["talent.grade1"]),
    ("培养人才总数与明细不符", ["talent.total"]),
    ("培养人才明细缺少晋升时间", ["talent.list"]),
    ("请补充其他证明材料", []),
    ("材料基本齐全，请补充单位盖章", []),
    ("专业技术结构不合理", []),
    # the members' columns are not the leader's fields, unless 领衔人 is said
    ("骨干成员中孙立的出生年月有误", ["members"]),
    ("领衔人出生年月有误", ["leader.birth"]),
    ("领衔人学历写错了", ["leader.education"]),
    ("业绩简介字数不够", ["narrative"]),
    ("简介太简单", ["narrative"]),
    ("省部奖证明缺失", ["innovation.award_provincial"]),
    ("请核实场所面积", ["basics.area"]),
    ("工作室类型选错了", ["basics.type"]),
    ("命名单位请附命名文件", ["basics.named_by"]),
])
def test_a_comment_names_exactly_its_fields(comment, keys):
    assert review_fields.named(application_form(2025), comment, 2025) == keys


# -- the reviewer adds and removes fields with buttons ---------------------------------------------------

def _revise(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        return app.status, (app.flags or {}).get("revise")


def test_the_reviewer_picks_more_fields_by_button_and_drops_one(bot, chat, submitted):
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("退回修改")
    reply = union.send("2024年经费来源请补充金额，领衔人联系电话有误")
    assert "要标注哪些字段？按您的意见已选：2024年经费来源、领衔人联系电话" in reply
    assert union.buttons()[:3] == ["确认退回", "✓ 2024年经费来源", "✓ 领衔人联系电话"]
    union.press("添加字段")
    assert "经济效益（2024年）" in union.buttons()
    reply = union.press("经济效益（2024年）")
    assert "「经济效益（2024年）」：点字段标注" in reply and "2024年创收金额" in union.buttons()
    reply = union.press("2024年创收金额")
    assert "已选：2024年经费来源、2024年创收金额、领衔人联系电话" in reply
    assert "✓ 2024年创收金额" in union.buttons()
    union.press("返回")
    reply = union.press("✓ 领衔人联系电话")          # pressed again: not flagged
    assert "已选：2024年经费来源、2024年创收金额。" in reply
    reply = union.send("业绩简介")                    # a field name typed is added
    assert "已添加：业绩简介" in reply
    assert _revise(bot) == ("submitted", [])            # nothing decided before 确认退回
    reply = union.press("确认退回")
    assert "并标注字段「2024年经费来源、2024年创收金额、业绩简介」" in reply
    assert _revise(bot) == ("returned", ["funding.y2.sources", "benefit.y2.income", "narrative"])
    news = "\n".join(submitted.inbox())
    assert "需修改：2024年经费来源、2024年创收金额、业绩简介" in news


def test_a_short_comment_naming_nothing_is_still_asked_to_say_more(bot, chat, submitted):
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("退回修改")
    assert "请写明需要修改或补充的内容" in union.send("请补充")
    assert "没有从意见中认出字段名" in union.send("材料基本齐全，请补充单位盖章")
    assert "已退回给" in union.send("确认")
    assert _revise(bot) == ("returned", [])


# -- the resubmitted prompt shows what changed; reviewers see no leader's instructions -------------------

def test_the_resubmitted_prompt_shows_what_changed_since_the_return(bot, chat, submitted):
    union = chat("union")
    first = "\n".join(union.inbox())
    assert "【待审批】" in first and "退回后" not in first
    union.send("审批")
    union.press("退回修改")
    union.send("2024年经费来源请补充金额，2023年创收金额请附加盖财务章的证明")
    union.press("确认退回")
    submitted.send("申报")
    assert "已按审批意见修改" in submitted.send("中交示范工程局 5万元；中交隧道局 3万元")
    assert "已附在「2023年创收金额」下" in send_file(bot, name="创收证明.pdf")
    submitted.send("提交")
    assert "已重新提交" in submitted.press("确认提交")
    prompt = "\n".join(t for t in union.inbox() if "【待审批】" in t)
    assert "退回后修改了 2 处" in prompt
    assert "· 2024年经费来源：中交示范工程局 → 中交示范工程局 5 万元；中交隧道局 3 万元" in prompt
    assert "· 2024年投入金额：8 万元 → 8 万元" not in prompt
    assert "· 补充证明：2023年创收金额（创收证明.pdf）" in prompt


def test_a_reviewers_prompt_carries_no_instructions_meant_for_the_leader(bot, chat, submitted):
    leader_report = submitted.send("七有")
    assert "发送「制度」登记" in leader_report and "发送「设备」登记" in leader_report
    union = chat("union")
    prompt = "\n".join(t for t in union.inbox() if "【待审批】" in t)
    assert "有工作制度：尚未登记制度" in prompt and "有设备设施：尚未登记设备设施" in prompt
    assert "发送「" not in prompt
    listed = union.send("审批")
    assert "有工作制度" in listed and "发送「" not in listed


def test_a_return_with_answers_changed_lists_them_for_the_next_steps_too(bot, chat, submitted):
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("退回修改")
    union.send("领衔人联系电话有误")
    union.press("确认退回")
    submitted.send("申报")
    submitted.send("13912345678")
    submitted.send("提交")
    submitted.press("确认提交")
    with bot.db.session() as s:
        assert applications.load_answers(s, s.scalar(select(Application)).id)["leader.phone"] == "13912345678"
    prompt = "\n".join(t for t in union.inbox() if "【待审批】" in t)
    assert "退回后修改了 1 处" in prompt and "领衔人联系电话：13812345678 → 13912345678" in prompt
