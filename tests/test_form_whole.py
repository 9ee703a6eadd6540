"""The whole application filled as a leader types it — rows in one line — in under 120 messages."""
import pytest
from sqlalchemy import select

from storage import applications
from storage.models import Application
from tests.form_data import NARRATIVE

pytestmark = pytest.mark.usefixtures("may_2025")

# (what the leader types at each question, in the form's order, what is stored under which key)
WALK = [
    ("王海隧道掘进劳模创新工作室", "cover.name", "王海隧道掘进劳模创新工作室"),
    ("中交示范工程局有限公司", "cover.unit", "中交示范工程局有限公司"),
    ("施工企业", "cover.unit_type", "施工企业"),
    ("中交示范工程局有限公司工会", "cover.recommender", "中交示范工程局有限公司工会"),
    ("今天", "cover.filled_on", "20250520"),
    ("2018.4.20", "basics.created_on", "20180420"),
    ("省总工会", "basics.named_by", "省总工会"),
    ("隧道盾构施工", "basics.field", "隧道盾构施工"),
    ("2019年5月1日", "basics.named_on", "20190501"),
    ("攻关", "basics.type", ["技术攻关"]),
    ("共二十名", "basics.members", 20),
    ("约30平米", "basics.area", "30"),
    ("5万", "funding.y1.amount", "5"),
    ("中交示范工程局 3万元；中交隧道局 2万元", "funding.y1.sources",
     [{"unit": "中交示范工程局", "amount": "3"}, {"unit": "中交隧道局", "amount": "2"}]),
    ("80000元", "funding.y2.amount", "8"),
    ("中交示范工程局", "funding.y2.sources", [{"unit": "中交示范工程局", "amount": None}]),
    ("共12项", "innovation.results", 12),
    ("5项", "innovation.applied", 5),
    ("3个", "innovation.utility", 3),
    ("两个", "innovation.invention", 2),
    ("无", "innovation.award_intl", 0),
    ("1个", "innovation.award_national", 1),
    ("2", "innovation.award_provincial", 2),
    ("3", "innovation.award_city", 3),
    ("35.5万元", "benefit.y1.income", "35.5"),
    ("60万", "benefit.y1.savings", "60"),
    ("40万元", "benefit.y2.income", "40"),
    ("51万", "benefit.y2.savings", "51"),
    ("8人", "talent.total", 8),
    ("1", "talent.grade0", 1),
    ("2人", "talent.grade1", 2),
    ("3", "talent.grade2", 3),
    ("1", "talent.grade3", 1),
    ("1", "talent.grade4", 1),
    ("没有", "talent.honour0", 0),
    ("1人", "talent.honour1", 1),
    ("1", "talent.honour2", 1),
    ("2名", "talent.honour3", 2),
]
# eight rows for 培养人才总数 8 (the 明细 lists as many people as the total, all within 近两年)
TALENT_ROWS = ["赵磊 2023年晋升为高级技师 2024年获企业劳模", "钱坤，2024年晋升为技师，无",
               "孙强 2023年晋升为高级技师 2024年获省部级劳模", "周敏 2024年晋升为技师 2023年获地市级劳模",
               "吴刚 2024年晋升为技师 2024年获企业劳模", "郑伟 2023年取得双重职称 无",
               "冯涛 2024年晋升为高级工 无", "陈晨 2023年取得其他职业资格 无"]
LEADER = [
    ("培训职工 600 人次，成果在行业内推广应用", "social", "培训职工 600 人次，成果在行业内推广应用"),
    ("王海", "leader.name", "王海"),
    ("男的", "leader.gender", "男"),
    ("1975年6月", "leader.birth", "197506"),
    ("本科", "leader.education", "大学本科"),
    ("汉", "leader.ethnicity", "汉族"),
    ("党员", "leader.political", "中共党员"),
    ("盾构机操作", "leader.profession", "盾构机操作"),
    ("高级工程师", "leader.title", "高级工程师"),
    ("138-1234-5678", "leader.phone", "13812345678"),
]
HONOUR_ROWS = ["2019年 全国五一劳动奖章", "2021年中国交建劳动模范"]
SURNAMES = "孙李赵钱周吴郑冯陈褚卫蒋沈韩杨朱"
EDUCATION_SAID = ["本科", "硕士", "大专", "研究生", "中专", "大学本科", "博士", "专科"]
MEMBER_ROWS = [f"{s}{'明' if i % 2 else '娜'} {'男' if i % 2 else '女的'} {1980 + i}年{i % 12 + 1}月 "
               f"{EDUCATION_SAID[i % 8]} 工程师 技术部 BIM建模" for i, s in enumerate(SURNAMES)]


def stored(bot):
    with bot.db.session() as s:
        return applications.load_answers(s, s.scalar(select(Application)).id)


def test_the_whole_form_with_16_members_in_under_120_messages(bot, chat):
    leader, sent = chat("leader"), []

    def send(text, expect="✓"):
        sent.append(text)
        reply = leader.send(text)
        assert expect in reply, (text, reply)
        return reply

    assert "第 1 项 创新工作室名称" in send("申报", expect="开始填写")
    for typed, _, _ in WALK:
        send(typed)
    assert "可以一行写完一人：姓名 晋升情况 荣誉情况" in leader.last[-1].text
    for row in TALENT_ROWS:
        send(row)
    send("完成")
    for typed, _, _ in LEADER:
        send(typed)
    assert "可以一行写完一项：获奖年份 荣誉称号" in leader.last[-1].text
    for row in HONOUR_ROWS:
        send(row)
    assert "第 53 项" not in send("完成") and "骨干成员" in leader.last[-1].text
    for n, row in enumerate(MEMBER_ROWS, 1):
        assert f"✓ 已添加第 {n} 位" in send(row)
    send("完成")
    send(NARRATIVE[0], expect="还差")
    send(NARRATIVE[1], expect="已达到要求")
    assert "全部 52 项都已填写" in send("完成")
    assert "确认提交吗" in send("提交", expect="请核对")
    sent.append("确认提交")
    leader.press("确认提交")

    assert len(sent) < 120, len(sent)
    values = stored(bot)
    for _, key, value in WALK + LEADER:
        assert values[key] == value, key
    assert values["leader.honours"] == [{"year": 2019, "title": "全国五一劳动奖章"},
                                        {"year": 2021, "title": "中国交建劳动模范"}]
    assert values["talent.list"][1] == {"name": "钱坤", "promotion": "2024年晋升为技师", "honour": "无"}
    members = values["members"]
    assert len(members) == 16 and members[0] == {
        "name": "孙娜", "gender": "女", "birth": "198001", "education": "大学本科", "title": "工程师",
        "department": "技术部", "role": "BIM建模"}
    assert [m["education"] for m in members[:8]] == [
        "大学本科", "硕士研究生", "大学专科", "硕士研究生", "中专/高中", "大学本科", "博士研究生", "大学专科"]
    with bot.db.session() as s:
        assert s.scalar(select(Application)).status == "submitted"
