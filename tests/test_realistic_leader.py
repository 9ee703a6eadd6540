"""A leader fills and submits the whole form as people write (issue 26, done when): 16 core members, 3 honours,
8 talent rows, a narrative in 3 parts with a question before it, 2 proofs, everyday numbers and dates, a
correction in plain words — in at most 120 messages, none refused, nothing lost, the DOCX as stored."""
import io
import uuid

import docx
import pytest
from sqlalchemy import select

from bot import files
from bot.message import Attachment as IncomingAttachment, Incoming
from storage import applications
from storage.models import Application, Attachment, StoredFile

pytestmark = pytest.mark.usefixtures("may_2025")

MAX_MESSAGES = 120
# what the assistant says when it did not take an answer
REFUSED = ("没能识别", "暂未保存", "不能跳过", "请从以下选项", "不能晚于", "格式不对", "没有「", "没太明白",
           "这个按钮已失效", "不能超过", "请写明是什么类型", "多了", "前后不一致", "暂不能")

# (what the leader types at each question, in the form's order, the key and what is stored); None: a skip
SCALARS = [
    ("王海隧道掘进劳模创新工作室", "cover.name", "王海隧道掘进劳模创新工作室"),
    ("中交示范工程局有限公司", "cover.unit", "中交示范工程局有限公司"),
    ("施工企业", "cover.unit_type", "施工企业"),
    ("中交示范工程局有限公司工会", "cover.recommender", "中交示范工程局有限公司工会"),
    ("今天", "cover.filled_on", "20250520"),
    ("18年4月2日", "basics.created_on", "20180402"),            # corrected below in plain words
    ("没有", "basics.named_by", None),                          # and 命名日期 skipped with it
    ("隧道盾构施工", "basics.field", "隧道盾构施工"),
    ("技术攻关和技能传授", "basics.type", ["技术攻关", "技能传授"]),
    ("共十七名", "basics.members", 17),
    ("约36平方米", "basics.area", "36"),
    ("三万五千元", "funding.y1.amount", "3.5"),
    ("中交示范工程局", "funding.y1.sources", [{"unit": "中交示范工程局", "amount": None}]),
    ("二十万五千元", "funding.y2.amount", "20.5"),
    ("中交示范工程局 15万元；中交隧道局 5.5万元", "funding.y2.sources",
     [{"unit": "中交示范工程局", "amount": "15"}, {"unit": "中交隧道局", "amount": "5.5"}]),
    ("12项", "innovation.results", 12),
    ("5项", "innovation.applied", 5),
    ("3个", "innovation.utility", 3),
    ("两个", "innovation.invention", 2),
    ("无", "innovation.award_intl", 0),
    ("1个", "innovation.award_national", 1),
    ("2", "innovation.award_provincial", 2),
    ("3", "innovation.award_city", 3),
    ("约20万", "benefit.y1.income", "20"),
    ("60万", "benefit.y1.savings", "60"),
    ("40万元", "benefit.y2.income", "40"),
    ("51万", "benefit.y2.savings", "51"),
    ("8人", "talent.total", 8),
    ("1", "talent.grade0", 1),
    ("2人", "talent.grade1", 2),
    ("3个人", "talent.grade2", 3),
    ("1", "talent.grade3", 1),
    ("1", "talent.grade4", 1),
    ("没有", "talent.honour0", 0),
    ("1人", "talent.honour1", 1),
    ("1", "talent.honour2", 1),
    ("2名", "talent.honour3", 2),
]
TALENT = [("赵磊", "2023年晋升为高级技师", "2024年获企业劳模"), ("钱坤", "2024年晋升为技师", "无"),
          ("孙强", "2023年晋升为技师", "无"), ("李静", "2024年晋升为高级工", "2024年获企业劳模"),
          ("周伟", "2023年取得双重职称", "2023年获地市级劳模"), ("吴芳", "2024年晋升为高级技师", "无"),
          ("郑军", "2024年晋升为技师", "2024年获省部级劳模"), ("冯洋", "2023年晋升为技师", "无")]
LEADER = [
    ("培训职工 600 人次，成果在行业内推广应用", "social", "培训职工 600 人次，成果在行业内推广应用"),
    ("王海", "leader.name", "王海"),
    ("男", "leader.gender", "男"),
    ("七五年八月", "leader.birth", "197508"),
    ("本科", "leader.education", "大学本科"),
    ("汉", "leader.ethnicity", "汉族"),
    ("党员", "leader.political", "中共党员"),
    ("盾构机操作", "leader.profession", "盾构机操作"),
    ("高级工程师", "leader.title", "高级工程师"),
    ("138 1234 5678", "leader.phone", "13812345678"),
]
SURNAMES = "孙李赵钱周吴郑冯陈褚卫蒋沈韩杨朱"
EDUCATION_SAID = ["本科", "硕士", "大专", "研究生", "中专", "大学本科", "博士", "专科"]
EDUCATION = ["大学本科", "硕士研究生", "大学专科", "硕士研究生", "中专/高中", "大学本科", "博士研究生", "大学专科"]
BIRTHS_SAID = ["88年12月", "1990.7", "一九八六年三月", "1985年5月"]
BIRTHS = ["198812", "199007", "198603", "198505"]
MEMBERS = [(f"{s}{'明' if i % 2 else '娜'}", "男" if i % 2 else "女", i) for i, s in enumerate(SURNAMES)]
NARRATIVE = [
    "王海隧道掘进劳模创新工作室成立于二〇一八年，依托中交示范工程局盾构施工项目，围绕盾构掘进、管片拼装和隧道测量中的"
    "重点难点问题开展技术攻关。工作室现有成员十七人，其中高级工程师三人、工程师八人、技师六人，专业涵盖机械、电气、"
    "测量和土木工程，形成了老中青结合、理论与实践并重的创新团队。" * 3,
    "近两年来，工作室坚持来自一线、服务一线的原则，每月开展一次技术交流，每季度组织一次成果发布。先后完成盾构姿态"
    "智能纠偏、管片拼装定位装置等创新成果十二项，其中五项已在集团内多个地铁项目推广应用，获得实用新型专利三个、"
    "发明专利两个，获国家级奖项一个、省部级奖项两个、地市级奖项三个。" * 2,
    "工作室注重人才培养，通过师带徒、专题培训和现场比武等方式，近两年培养高级技师两人、技师三人，累计培训职工六百"
    "人次。两年来创收六十万元、节资一百一十一万元，经济效益和社会效益显著。下一步，工作室将继续围绕智能建造开展攻关，"
    "把更多成果转化为生产力。" * 3,
]


def _member_line(name, gender, i):
    return (f"{name} {gender if i % 3 else gender + '的'} {BIRTHS_SAID[i % 4]} {EDUCATION_SAID[i % 8]} "
            f"工程师 技术部 BIM建模")


def _file(bot, leader, name):
    """A photo the messenger delivered (its bytes stored, as the media task leaves them)."""
    with bot.db.transaction() as s:
        token = files.save(bot, s, name, b"\xff\xd8 proof " + name.encode()).token
    incoming = Incoming(channel="web", user="leader", kind="image", text="", message_id=uuid.uuid4().hex,
                        attachments=[IncomingAttachment(kind="image", ref=token, name=name)])
    return leader._turn(incoming)


def _cells(data):
    """Every table cell's text, each merged cell once, in reading order."""
    kept, texts = [], []
    for table in docx.Document(io.BytesIO(data)).tables:
        for row in table.rows:
            for cell in row.cells:
                if not any(cell._tc is tc for tc in kept):
                    kept.append(cell._tc)
                    texts.append(cell.text)
    return texts


def test_a_leader_writing_as_people_write_submits_the_whole_form_in_at_most_120_messages(bot, chat):
    leader, sent = chat("leader"), []

    def send(text, expect="✓"):
        sent.append(text)
        reply = leader.send(text)
        assert expect in reply, (text, reply)
        refused = [word for word in REFUSED if word in reply]
        assert not refused, (text, refused, reply)
        return reply

    def attach(name):
        sent.append(f"[{name}]")
        reply = _file(bot, leader, name)
        assert "已附在" in reply, (name, reply)
        return reply

    assert "第 1 项 创新工作室名称" in send("申报", expect="开始填写")
    for typed, key, _ in SCALARS:
        reply = send(typed, expect="已跳过" if key == "basics.named_by" else "✓")
        if key == "basics.created_on":
            assert "按 2018年4月2日 记录" in reply
        if key == "basics.named_by":
            assert "命名日期也一并跳过" in reply and "第 8 项 专业领域" in reply
            reply = send("刚才的创建日期写错了，应该是2018年4月20日", expect="20180402 → 20180420")
            assert "继续第 8 项 专业领域" in reply
        if key == "innovation.results":
            assert "此项需提供证明材料" in reply
            assert "创新成果" in attach("创新成果汇总表.jpg")
        if key == "innovation.award_intl":
            assert "证明材料" not in reply                  # 0 asks for no proof
        if key == "benefit.y1.income":
            assert "估计数" in reply
            attach("2023年创收证明.pdf")
        if key == "funding.y1.amount":
            assert "3.5 万元" in reply
    assert "可以一行写完一人：姓名 晋升情况 荣誉情况" in leader.last[-1].text
    for n, row in enumerate(TALENT, 1):
        assert f"✓ 已添加第 {n} 人" in send(" ".join(row))
    send("完成")
    for typed, _, _ in LEADER:
        send(typed)
    assert "可以一行写完一项：获奖年份 荣誉称号" in leader.last[-1].text
    send("2019年 全国五一劳动奖章")
    send("2021年中国交建劳动模范")
    assert "荣誉称号" in send("２０２３年", expect="第 3 项 荣誉称号")       # the year alone: the title is asked
    send("湖北省五一劳动奖章")
    assert "骨干成员" in send("完成")
    for n, member in enumerate(MEMBERS, 1):
        assert f"✓ 已添加第 {n} 位" in send(_member_line(*member))
    send("完成")
    assert "一、基本情况" in send("业绩简介要写哪些内容？", expect="没有记入")
    send(NARRATIVE[0], expect="还差")
    send(NARRATIVE[1], expect="已收到")
    send(NARRATIVE[2], expect="已达到要求")
    assert "全部 52 项都已填写" in send("完成")
    reply = send("提交", expect="请核对")
    assert "按估计数填写" in reply and "2023年创收金额 20 万元" in reply and "确认提交吗" in reply
    sent.append("确认提交")
    assert "已提交 2025 年度申报表" in leader.press("确认提交")

    assert len(sent) <= MAX_MESSAGES, len(sent)
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        assert app.status == "submitted"
        values = applications.load_answers(s, app.id)
        skipped = set((app.flags or {}).get("skipped", []))
        estimates = set((app.flags or {}).get("estimates", []))
        proofs = [(a.field_key, f.name) for a, f in s.execute(
            select(Attachment, StoredFile).join(StoredFile, StoredFile.id == Attachment.file_id)
            .order_by(Attachment.id)).all()]
    expected = {key: value for _, key, value in SCALARS + LEADER if value is not None}
    expected["basics.created_on"] = "20180420"
    for key, value in expected.items():
        assert values[key] == value, key
    assert "basics.named_by" not in values and "basics.named_on" not in values
    assert {"basics.named_by", "basics.named_on"} <= skipped
    assert estimates == {"basics.area", "benefit.y1.income"}
    assert proofs == [("innovation.results", "创新成果汇总表.jpg"), ("benefit.y1.income", "2023年创收证明.pdf")]
    assert values["talent.list"] == [{"name": n, "promotion": p, "honour": h} for n, p, h in TALENT]
    assert values["leader.honours"] == [{"year": 2019, "title": "全国五一劳动奖章"},
                                        {"year": 2021, "title": "中国交建劳动模范"},
                                        {"year": 2023, "title": "湖北省五一劳动奖章"}]
    members = values["members"]
    assert len(members) == 16
    for i, (member, (name, gender, _)) in enumerate(zip(members, MEMBERS)):
        assert member == {"name": name, "gender": gender, "birth": BIRTHS[i % 4], "education": EDUCATION[i % 8],
                          "title": "工程师", "department": "技术部", "role": "BIM建模"}, i
    assert values["narrative"] == "\n".join(NARRATIVE)          # the question is not in it

    # the DOCX as the leader gets it (导出): every value printed, nothing that was chat
    leader.send("导出")
    [document] = leader.pushed_files()
    data = open(files.lookup(bot, document["token"]).path, "rb").read()
    cells = _cells(data)
    assert cells[cells.index("创建日期") + 1] == "20180420"
    assert cells[cells.index("命名单位*") + 1] == "" and cells[cells.index("命名日期") + 1] == ""
    boxes = cells[cells.index("工作室类型") + 1]
    assert "■技术攻关" in boxes and "■技能传授" in boxes and "□窗口服务" in boxes and "□其他" in boxes
    assert cells[cells.index("成员总数/\n场所面积") + 1] == "17人/\n36平方米"
    assert "中交示范工程局 15万元；中交隧道局 5.5万元" in cells and "3.5" in cells and "20.5" in cells
    assert cells[cells.index("获奖年份及\n荣誉称号*") + 1] == \
        "2019年 全国五一劳动奖章；2021年 中国交建劳动模范；2023年 湖北省五一劳动奖章"
    assert "197508" in cells and "13812345678" in cells
    for member in members:
        assert member["name"] in cells
    assert cells.count("姓名") >= 4          # leader's, the members' table, the attached table, the talent list
    narrative_cell = next(c for c in cells if c.startswith("王海隧道掘进劳模创新工作室成立于二〇一八年"))
    assert narrative_cell.split("\n") == NARRATIVE
    text = "\n".join(cells)
    assert "要写哪些内容" not in text and "没有" not in text.replace("没有发", "")
