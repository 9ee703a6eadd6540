"""The 附件1 申报审批表 as a declarative form: every field, its official label, help and proof star.

``application_form(year)`` builds it for an application year; the per-year blocks cover the two
calendar years before it (an application in 2025 reports 2023 and 2024). What belongs to those years
(the 近两年 figures: funding, innovation counts, benefits, talents, social benefit, the filing date)
is declared ``yearly``: a new year's application may start from an earlier one's other answers.
"""
from decimal import Decimal
from functools import lru_cache

from bot.errors import InvalidInput
from bot.forms.schema import Field, Form, Group
from handlers.application.choices import (EDUCATION, EDUCATION_WORDS, ETHNIC_GROUPS, ETHNIC_WORDS, GENDER_WORDS,
                                          POLITICAL, POLITICAL_WORDS, STUDIO_TYPE_WORDS, STUDIO_TYPES)
from handlers.application.rules import rules_for

SKILL_GRADES = ("双重职称", "高级技师", "技师", "高级工", "其他")
HONOURS = ("全国劳模", "省部级劳模", "地市级劳模", "企业劳模")


def _sum_of(*keys):
    def compute(answers):
        values = [answers.get(k) for k in keys]
        if any(v in (None, "") for v in values):
            return None
        total = sum(Decimal(str(v)) for v in values)
        return format(total.normalize(), "f") if total == total.to_integral() else format(total.normalize(), "f")
    return compute


def _count(key, label, block, unit, help_, aliases=(), proof=False, minimum=0):
    return Field(key, label, "count", help=help_, block=block, proof=proof, aliases=aliases,
                 example=f"3{unit}", opts={"unit": unit, "minimum": minimum}, yearly=True)


def _not_above_total(value, answers):
    total = answers.get("talent.total")
    if total not in (None, "") and value > int(total):
        raise InvalidInput(f"不能超过培养人才总数（{total} 人），请核对。")


@lru_cache(maxsize=8)
def application_form(year: int) -> Form:
    y1, y2 = year - 2, year - 1
    cover, basics, leader = "封面", "基本情况", "工作室领衔人情况"
    items = [
        Field("cover.name", "工作室名称", help="请填写工作室完整名称（填表说明 1）",
              example="李建国桥梁智能建造劳模创新工作室", block=cover, aliases=("创新工作室名称",),
              opts={"max_len": 100}),
        Field("cover.unit", "所在单位", help="请填写工作室所在单位的全称", example="中交示范工程局有限公司",
              block=cover, opts={"max_len": 100}),
        Field("cover.unit_type", "单位类型", help="请填写所在单位的类型", example="施工企业", block=cover,
              opts={"max_len": 50}),
        Field("cover.recommender", "推荐单位", help="请填写推荐单位的全称", example="中交示范工程局有限公司工会",
              block=cover, opts={"max_len": 100}),
        Field("cover.filled_on", "填报日期", "date", help="请填写填报日期（可以说「今天」）", example="2025年5月20日",
              block=cover, opts={"today_button": True}, yearly=True),
        Field("basics.created_on", "创建日期", "date", help="以团队模式规范开展工作或被命名的日期（填表说明 2）",
              example="2018年4月20日", block=basics),
        Field("basics.named_by", "命名单位", help="曾为工作室命名的单位（需提供证明复印件）；没有被命名可说「没有」",
              example="省总工会", block=basics, proof=True, optional=True),
        Field("basics.field", "专业领域", help="工作室重点研究、攻关的专业领域", example="隧道盾构施工",
              block=basics),
        Field("basics.named_on", "命名日期", "date", help="被命名的日期；没有被命名可说「没有」",
              example="2019年5月1日", block=basics, optional=True, depends="basics.named_by"),
        Field("basics.type", "工作室类型", "choices", help="请选择工作室类型（表中四个方框，可选一项或多项）",
              options=STUDIO_TYPES, synonyms=STUDIO_TYPE_WORDS, block=basics),
        Field("basics.members", "成员总数", "count", help="工作室成员总人数", example="15人", block=basics,
              opts={"unit": "人", "minimum": 1}),
        Field("basics.area", "场所面积", "area", help="固定场所面积（七有要求一般不少于 20 平方米）",
              example="25平方米", block=basics),
    ]
    for tag, y in (("y1", y1), ("y2", y2)):
        block = f"经费投入（{y}年）"
        items += [
            Field(f"funding.{tag}.amount", "投入金额", "money", help=f"{y}年经费投入金额（万元）",
                  example="5万元", block=block, aliases=(f"{y}年投入金额", f"投入金额（{y}年）"), yearly=True),
            Field(f"funding.{tag}.sources", "经费来源", "sources",
                  help=f"{y}年经费来源单位；两个以上单位投入时分别注明金额",
                  example="中交示范工程局 3万元；中交隧道局 2万元", block=block,
                  aliases=(f"{y}年经费来源", f"经费来源（{y}年）"),
                  opts={"amount_key": f"funding.{tag}.amount"}, yearly=True),
        ]
    inno = "技术创新"
    items += [
        _count("innovation.results", "创新成果", inno, "项", f"{y1}—{y2}年取得的创新成果数量", proof=True),
        _count("innovation.applied", "成果转化", inno, "项", f"{y1}—{y2}年成果转化数量", proof=True),
        _count("innovation.utility", "实用新型", inno, "个", f"{y1}—{y2}年获得的实用新型专利数量",
               aliases=("实用新型专利",), proof=True),
        _count("innovation.invention", "发明", inno, "个", f"{y1}—{y2}年获得的发明专利数量",
               aliases=("发明专利",), proof=True),
        _count("innovation.award_intl", "国际", inno, "个", "获国际级奖项数量", aliases=("国际奖", "国际级获奖"), proof=True),
        _count("innovation.award_national", "国家", inno, "个", "获国家级奖项数量", aliases=("国家奖", "国家级获奖"), proof=True),
        _count("innovation.award_provincial", "省部", inno, "个", "获省部级奖项数量", aliases=("省部奖", "省部级获奖"), proof=True),
        _count("innovation.award_city", "地市", inno, "个", "获地市级奖项数量", aliases=("地市奖", "地市级获奖"), proof=True),
    ]
    for tag, y in (("y1", y1), ("y2", y2)):
        block = f"经济效益（{y}年）"
        items += [
            Field(f"benefit.{tag}.income", "创收金额", "money", help=f"{y}年创收金额（万元，需加盖财务章的证明）",
                  example="35.5万元", block=block, proof=True, aliases=(f"{y}年创收金额", f"创收金额（{y}年）"), yearly=True),
            Field(f"benefit.{tag}.savings", "节资金额", "money", help=f"{y}年节资金额（万元）",
                  example="60万元", block=block, proof=True, aliases=(f"{y}年节资金额", f"节资金额（{y}年）"), yearly=True),
            Field(f"benefit.{tag}.total", "合计", "money", block=block, aliases=(f"{y}年合计", f"合计（{y}年）"),
                  compute=_sum_of(f"benefit.{tag}.income", f"benefit.{tag}.savings"), yearly=True),
        ]
    talent = "培养人才"
    items.append(Field("talent.total", "总数", "count", help=f"{y1}—{y2}年培养人才总数", example="8人",
                       block=talent, proof=True, aliases=("培养人才总数", "人才总数"), opts={"unit": "人"}, yearly=True))
    for i, grade in enumerate(SKILL_GRADES):
        items.append(Field(f"talent.grade{i}", grade, "count", help=f"培养人才中技术等级为「{grade}」的人数",
                           example="2人", block=talent, proof=True,
                           aliases=((f"技术等级{grade}",) if grade == "其他" else ()),
                           opts={"unit": "人", "check": _not_above_total}, yearly=True))
    for i, honour in enumerate(HONOURS):
        items.append(Field(f"talent.honour{i}", honour, "count", help=f"培养人才中获「{honour}」称号的人数",
                           example="1人", block=talent, proof=True, opts={"unit": "人", "check": _not_above_total},
                           yearly=True))
    items += [
        Group("talent.list", "培养人才明细", [
            Field("name", "姓名", help="人员姓名", example="赵磊", opts={"max_len": 20}),
            Field("promotion", "晋升情况", help="何时晋升为何种等级；没有请回复「无」", example="2023年晋升为高级技师"),
            Field("honour", "荣誉情况", help="何时获何种荣誉称号；没有请回复「无」", example="2024年获企业劳模"),
        ], help="培养人才需列表详细说明：人员名单、何时晋升为何种等级、何时获何种荣誉称号。",
            unit="人", block=talent, aliases=("人才明细",), proof=True, yearly=True),
        Field("social", "社会效益", help=f"{y1}—{y2}年取得的社会效益", example="培训职工 600 人次，成果在行业内推广应用",
              block="社会效益", opts={"max_len": 1000}, yearly=True),
        Field("leader.name", "姓名", help="领衔人姓名", example="王海", block=leader, aliases=("领衔人姓名",),
              opts={"max_len": 20}),
        Field("leader.gender", "性别", "gender", help="领衔人性别（男/女）", block=leader, aliases=("领衔人性别",),
              synonyms=GENDER_WORDS),
        Field("leader.birth", "出生年月", "month", help="领衔人出生年月", example="1975年6月", block=leader,
              aliases=("领衔人出生年月",), opts={"min_age": 16}),
        Field("leader.education", "学历", "choice", help="领衔人学历", options=EDUCATION,
              synonyms=EDUCATION_WORDS, block=leader,
              aliases=("领衔人学历",)),
        Field("leader.ethnicity", "民族", "choice", help="领衔人民族", example="汉族", block=leader,
              aliases=("领衔人民族",), options=ETHNIC_GROUPS, synonyms=ETHNIC_WORDS),
        Field("leader.political", "政治面貌", "choice", help="领衔人政治面貌", options=POLITICAL,
              synonyms=POLITICAL_WORDS, block=leader,
              aliases=("领衔人政治面貌",)),
        Field("leader.profession", "专业/工种", help="领衔人的专业或工种", example="盾构机操作", block=leader,
              aliases=("领衔人专业/工种", "专业", "工种")),
        Field("leader.title", "技术职称", help="领衔人的技术职称；没有请回复「无」", example="高级工程师",
              block=leader, aliases=("领衔人技术职称",)),
        Field("leader.phone", "联系电话", "phone", help="领衔人联系电话", example="13812345678", block=leader,
              aliases=("领衔人联系电话", "电话")),
        Group("leader.honours", "获奖年份及荣誉称号", [
            Field("year", "获奖年份", "year", help="获奖年份", example="2019"),
            Field("title", "荣誉称号", help="荣誉称号全称", example="全国五一劳动奖章", opts={"max_len": 100}),
        ], help="领衔人获得的荣誉（需提供证明复印件），每项写获奖年份和荣誉称号。",
            min_rows=1, unit="项", block=leader, aliases=("荣誉称号", "领衔人荣誉"), proof=True),
        Group("members", "骨干成员", [
            Field("name", "姓名", help="成员姓名", example="孙立", opts={"max_len": 20}),
            Field("gender", "性别", "gender", help="性别（男/女）", example="男", synonyms=GENDER_WORDS),
            Field("birth", "出生年月", "month", help="出生年月", example="1986年3月", opts={"min_age": 16}),
            Field("education", "学历", "choice", help="学历", example="大学本科", options=EDUCATION,
                  synonyms=EDUCATION_WORDS),
            Field("title", "技术职称", help="技术职称；没有请回复「无」", example="工程师"),
            Field("department", "所在部门", help="所在部门", example="技术部"),
            Field("role", "主要分工", help="在工作室中的主要分工", example="BIM建模"),
        ], help="工作室骨干成员（表内 14 行，超出部分附表）。", min_rows=1, unit="位",
            block="工作室骨干成员情况", aliases=("骨干成员情况", "成员名单")),
        Field("narrative", "创新工作室业绩简介", "longtext",
              help="不少于 1000 字，可以分多条发送，我会接在一起。发完请说「完成」。",
              block="创新工作室业绩简介", aliases=("业绩简介", "简介"),
              opts={"min_chars": 1000, "max_chars": 20000, "outline": NARRATIVE_OUTLINE}),
    ]
    return Form("application", f"{year} 年度创新工作室申报表", items, rules=rules_for(year), notes=block_notes(y1, y2))


NARRATIVE_OUTLINE = (
    "可以按附件2的提纲写：一、基本情况（建立的背景及意义，重点研究、攻关的领域及方向，活动场地和设备，资金投入及使用，"
    "人员结构，取得的成果和荣誉）；二、近两年活动开展情况（制度建立，日常运作，分工协作）；三、近两年活动成效"
    "（创新成果，技能人才培养，经济效益和社会效益，技术交流协作）。不少于 1000 字。")


def block_notes(y1, y2):
    """What to fill in a block, from the 填表说明 (answers to 「经费投入是填……？」)."""
    years = f"{y1}年和{y2}年"
    return {
        "经费投入": f"填所在单位（或多家单位）为工作室投入的经费，按年度分别填写{years}的金额（万元）和来源单位；"
                  "两家以上单位投入的，分别写明每家的金额（填表说明 3、4）。集团工会的命名经费不计入单位投入。",
        "技术创新": f"填{years}两年取得的创新成果、成果转化、专利（实用新型、发明）和获奖（国际、国家、省部、地市）的数量；"
                  "每一项都须提供证明复印件（填表说明 4、5）。",
        "经济效益": f"按年度填{years}的创收金额和节资金额（万元），合计自动算出；须提供加盖单位财务章的原件证明"
                  "（填表说明 4、5）。",
        "培养人才": f"填{years}两年培养的人才总数，按技术等级和荣誉分别填人数（每人只计最高等级），并列出明细："
                  "人员名单、何时晋升为何种等级、何时获何种荣誉称号（填表说明 6）；须提供证明复印件。",
        "社会效益": f"简述{years}两年取得的社会效益，例如培训职工人次、成果推广应用情况（填表说明 4）。",
        "业绩简介": NARRATIVE_OUTLINE,
    }


def cross_check(year, answers, skipped=()):
    """What the answers of an application contradict each other in, as messages (empty: none).

    The submit check: the walker runs it at 提交 too, and the host calls it once more before the
    approval chain starts."""
    return application_form(year).violations(answers, skipped, final=True)


def figure_check(year, answers, *, today, previous_deadline, skipped=()):
    """``cross_check`` and what needs more than the answers (#25 item 4), as messages naming the
    fields that disagree: the 填报日期 lies within the application's cycle (after ``previous_deadline``,
    the last day of the year before's applications, and not after ``today``). The other figure
    rules (填报日期 after 创建日期, grades and honours within 培养人才总数, the 明细 against the total
    and 近两年, 成果转化 within 创新成果) are the form's declared rules (handlers/application/rules.py),
    checked at answer time too. Pure: the caller passes the dates."""
    problems = list(cross_check(year, answers, skipped))
    filled = answers.get("cover.filled_on")
    if filled not in (None, ""):
        filled = str(filled)
        if filled <= previous_deadline.strftime("%Y%m%d"):
            problems.append(f"「填报日期」{filled} 不在 {year} 年度申报期内（上一年度 {previous_deadline:%Y%m%d} 截止之后），"
                            "请核对填报日期或申报年度。")
        if filled > today.strftime("%Y%m%d"):
            problems.append(f"「填报日期」{filled} 晚于今天（{today:%Y%m%d}），请核对。")
    return problems


OPINION_BOXES = (
    ("union", "所在单位工会意见"),
    ("tech", "所在单位技术部门意见"),
    ("party", "所在单位党委意见"),
    ("group", "集团工会联合会审批意见"),
)
