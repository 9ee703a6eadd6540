"""Demo data: the try-out identities (one unit, one studio, one person per role, bound on the try-out
channel) and, for the console's 总览, four more units' worth of studios at every stage of the current
cycle year, made through the same services the chat uses.

Loading it twice changes nothing, even after the leader renamed the studio in the form: a person who
exists keeps their roles, studio and accounts, and a demo studio that exists is left as it is (its
stage is played through the services only when the studio is first created).
"""
import re
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot import cycle
from handlers.application.current import application_year
from handlers.review.steps import steps_of
from handlers.application import seven_record
from handlers.services import applications as application_service, ledgers as ledger_service, review
from handlers.services.context import Context
from storage import applications, audit, clock as clocks, ledgers
from storage.actor import Actor
from storage.models import Studio
from storage.people import account_owner, bind, find_person, get_studio, get_unit, upsert_person
from storage.statuses import StepStatus, StudioStatus

UNIT = "中交示范工程局有限公司"
GROUP_UNIT = "集团总部"
EXPERT_UNIT = "集团创新工作室评审专家组"     # the experts' own unit: no studio of theirs to avoid
STUDIO = "王海隧道掘进劳模创新工作室"

PEOPLE = [
    # try-out id, name, unit, roles, mobile
    ("leader", "王海", UNIT, ["leader"], "13800000001"),
    ("member", "孙立", UNIT, ["member"], "13800000002"),
    ("union", "李秀英", UNIT, ["union"], "13800000003"),
    ("tech", "张建军", UNIT, ["tech"], "13800000004"),
    ("party", "刘志强", UNIT, ["party"], "13800000005"),
    ("group", "陈国华", GROUP_UNIT, ["group"], "13800000006"),
    ("admin", "赵敏", GROUP_UNIT, ["admin"], "13800000007"),
    # the 考核验收's experts (评审专家)
    ("expert1", "高建华", EXPERT_UNIT, ["expert"], "13800000008"),
    ("expert2", "林晓东", EXPERT_UNIT, ["expert"], "13800000009"),
    ("expert3", "何静", EXPERT_UNIT, ["expert"], "13800000010"),
]

# the other units and their reviewers (no try-out accounts: /try keeps its identities few)
UNITS = {
    "中交第一公路工程局有限公司": ("周红", "吴刚", "郑伟"),
    "中交第二航务工程局有限公司": ("冯丽", "陈涛", "褚明"),
    "中交城市建设有限公司": ("卫芳", "蒋勇", "沈军"),
    "中交疏浚技术装备有限公司": ("韩梅", "杨帆", "朱斌"),
}

# (studio, unit, leader, field, stage); stages: none | draft | started | union | tech | party | returned |
# group | named
STUDIOS = [
    ("李强桥梁焊接创新工作室", UNIT, "李强", "桥梁钢结构焊接", "union"),
    ("赵刚机电维修工匠创新工作室", UNIT, "赵刚", "盾构机电维修", "tech"),
    ("钱进精密测量创新工作室", UNIT, "钱进", "隧道精密测量", "party"),
    ("孙波BIM技术创新工作室", UNIT, "孙波", "BIM 技术应用", "returned"),
    ("周明港口工程创新工作室", "中交第一公路工程局有限公司", "周明", "港口工程", "draft"),
    ("吴磊路面养护劳模创新工作室", "中交第一公路工程局有限公司", "吴磊", "路面养护", "group"),
    ("郑华桥梁施工劳模创新工作室", "中交第一公路工程局有限公司", "郑华", "桥梁施工", "named"),
    ("冯军焊接工艺创新工作室", "中交第二航务工程局有限公司", "冯军", "焊接工艺", "none"),
    ("陈亮水工结构创新工作室", "中交第二航务工程局有限公司", "陈亮", "水工结构", "group"),
    ("褚伟智能建造创新工作室", "中交城市建设有限公司", "褚伟", "智能建造", "started"),
    ("卫东绿色施工劳模创新工作室", "中交城市建设有限公司", "卫东", "绿色施工", "named"),
    ("韩冰疏浚装备创新工作室", "中交疏浚技术装备有限公司", "韩冰", "疏浚装备", "union"),
]

RETURN_OPINION = "{y2}年经费来源请补充来源单位和金额，经济效益证明材料须加盖单位财务章。"


def load(session, config=None, units=None, studios=None):
    """Create what is missing; returns the number of try-out identities.

    Idempotent for real: a person who exists keeps their roles, studio and accounts; a studio is
    created only while the demo leader has none (the leader may have renamed it in the form), and
    nobody is ever moved to another studio. With ``config`` (``python -m bot demo``) the other
    units' studios are made too, each played to its stage of the current year once: ``units``
    ({unit: (union, tech, party)}) and ``studios`` (as STUDIOS) replace the demo's own lists (the
    console's bench seeds a hundred units this way)."""
    unit = get_unit(session, UNIT, "施工企业")
    group_unit = get_unit(session, GROUP_UNIT, "集团")
    known = {UNIT: unit, GROUP_UNIT: group_unit, EXPERT_UNIT: get_unit(session, EXPERT_UNIT, "集团")}
    people = {}
    for try_id, name, unit_name, roles, mobile in PEOPLE:
        person = find_person(session, name, known[unit_name])
        if person is None:
            person = upsert_person(session, name, known[unit_name], roles, mobile)
        if account_owner(session, "web", try_id) is None:
            bind(session, person, "web", try_id)
        people[try_id] = person
    leader, member = people["leader"], people["member"]
    studio_id = leader.studio_id or member.studio_id
    if studio_id is None:
        studio_id = get_studio(session, STUDIO, unit, leader).id
    for person in (leader, member):
        if person.studio_id is None:
            person.studio_id = studio_id
    if config is not None:
        _studios(session, config, {UNIT: unit, GROUP_UNIT: group_unit}, people,
                 UNITS if units is None else units, STUDIOS if studios is None else studios)
    return len(people)


# -- the other studios ------------------------------------------------------------------------------

def _person(session, name, unit, roles):
    return find_person(session, name, unit) or upsert_person(session, name, unit, roles)


def _studios(session, config, units, people, unit_reviewers, studio_list):
    reviewers = {UNIT: {"union": people["union"], "tech": people["tech"], "party": people["party"]}}
    for name, (union, tech, party) in unit_reviewers.items():
        units[name] = get_unit(session, name, "施工企业")
        reviewers[name] = {role: _person(session, person, units[name], [role])
                           for role, person in (("union", union), ("tech", tech), ("party", party))}
    clock = clocks.of(session)
    year = application_year(config, clock.today())
    for number, (name, unit_name, leader_name, field, stage) in enumerate(studio_list):
        if session.scalar(select(Studio.id).where(Studio.name == name)) is not None:
            continue                                # made before: left as it is now
        unit = units[unit_name]
        leader = _person(session, leader_name, unit, ["leader"])
        studio = get_studio(session, name, unit, leader)
        if leader.studio_id is None:
            leader.studio_id = studio.id
        session.flush()
        own = Context(session, _actor(leader), clock, config)
        _ledgers(own, studio, year, number)
        if stage == "named":
            _named(session, config, studio, leader, year)
            continue
        if stage == "none":
            continue
        # a submitted one is played on earlier working days, so its steps have waited (some past
        # BOT_REMIND_AFTER_DAYS); a draft is being filled today
        days = _days_back(config, clock, year) if stage not in ("started", "draft") else [None]
        with _at(clock, days[0]):
            app = applications.get_or_create(session, studio, year)
            answers = whole_answers(studio, unit_name, leader_name, field, year, clock.today(), number)
            if stage == "started":
                answers = dict(list(answers.items())[:6])
            elif stage == "draft":
                answers = {k: v for k, v in answers.items() if not k.startswith(("talent.", "narrative", "members"))}
            for key, value in answers.items():
                applications.set_answer(session, app.id, key, value, own.actor, studio_id=studio.id)
            if stage in ("started", "draft"):
                continue
            if number % 3 == 2:                 # some have 制度, 设备 and 场所 recorded as the chat does
                for topic in seven_record.TOPICS.values():
                    application_service.record_seven(own, app, topic, "add", list(topic.kinds))
            review.submit(own, app)
        chain = {"union": [], "tech": ["union"], "party": ["union", "tech"], "group": ["union", "tech", "party"],
                 "returned": ["union"]}[stage]
        for n, role in enumerate(chain, 1):
            with _at(clock, days[n]):
                _decide(session, config, reviewers[unit_name][role], app, "approve", "同意")
        if stage == "returned":
            with _at(clock, days[2]):
                _decide(session, config, reviewers[unit_name]["tech"], app, "return",
                        RETURN_OPINION.format(y2=year - 1))


BACK = (12, 9, 6, 2)            # working days before today: submitted, then each step's 同意


def _days_back(config, clock, year):
    """The moments the chain is played on: working days before today, or today itself when that would
    reach back before the previous year's deadline (the form's 填报日期 stays within the cycle)."""
    today = clock.today()
    first = cycle.add_workdays(today, -BACK[0])
    if first <= cycle.calendar(config, year - 1).deadline or first.year < today.year - 1:
        return [None] * len(BACK)
    return [datetime.combine(cycle.add_workdays(today, -n), time(9, 30), clock.now().tzinfo) for n in BACK]


@contextmanager
def _at(clock, moment):
    """The decision clock at ``moment`` for a while (None: as it is), then as it was."""
    if moment is None:
        yield
        return
    kept = getattr(clock, "_fixed", None)      # the moment fixed before (None: the wall clock)
    clock.fix(moment)
    try:
        yield
    finally:
        clock.fix(kept)


def _actor(person):
    return Actor.of_person(person, "cli", request_id="demo")


def _decide(session, config, person, app, decision, opinion):
    step = next(s for s in steps_of(session, app) if s.status == StepStatus.PENDING)
    ctx = Context(session, _actor(person), clocks.of(session), config)
    review.decide(ctx, step.id, step.version, decision, opinion)


def _ledgers(ctx, studio, year, number):
    """A few ledger lines of last year: an activity, an achievement and the unit's funding."""
    last = date(year - 1, 3 + number % 8, 10 + number % 15)
    if last > ctx.clock.today():
        last = ctx.clock.today() - timedelta(days=30)
    lines = [
        ("activity", {"kind": "技能培训", "topic": "新工艺操作培训", "date": last.strftime("%Y%m%d"),
                      "participants": 20 + number, "hours": "4", "place": "工作室"}),
        ("funding", {"direction": "收入", "amount": str(3 + number % 4), "unit": studio.unit.name,
                     "date": last.strftime("%Y%m%d")}),
    ]
    for y in ((year - 2, year - 1) if number % 3 == 2 else (year - 1,) if number % 2 == 0 else ()):
        on = date(y, 3, 15)
        lines.append(("achievement", {"kind": "立项", "title": f"{studio.name[:6]}{y}年关键工艺攻关",
                                      "date": on.strftime("%Y%m%d"), "plan": "年内完成样机并在项目试用",
                                      "target": date(y, 12, 20).strftime("%Y%m%d")}))
        if number % 3 == 2:
            lines.append(("achievement", {"kind": "获奖", "title": f"{studio.name[:6]}{y}年新工法",
                                          "date": date(y, 10, 20).strftime("%Y%m%d"), "level": "省部",
                                          "issuer": "中国施工企业管理协会"}))
    for ledger, answers in lines:
        ledger_service.record(ctx, studio.id, ledger, answers)


def _named(session, config, studio, leader, year):
    """A studio the group union named in an earlier year: the title and its one-off grant."""
    named_on = date(year - 2, 11, 18)
    studio.status, studio.named_on = StudioStatus.NAMED, named_on
    system = Actor.system(channel="cli", request_id="demo")
    ledgers.record_grant(session, studio.id, str(config.grant_wan), named_on, system, unit=config.union_name)
    audit.record(session, system, "studio.named", at=clocks.of(session).utcnow(), object_type="studio",
                 object_id=studio.id, studio_id=studio.id, unit_id=studio.unit_id,
                 detail=f"演示数据：{named_on:%Y%m%d} 已命名", after={"status": StudioStatus.NAMED})


def whole_answers(studio, unit_name, leader_name, field, year, today, number):
    """A whole, consistent 附件1 for ``year`` (近两年 are year-2 and year-1), in form order."""
    y1, y2 = year - 2, year - 1
    members = 6 + number % 7
    text = (f"{studio.name}围绕{field}中的重难点问题开展技术攻关，坚持来自一线、服务一线。"
            f"{y1}年以来完成创新成果多项，培养技术骨干多名，取得了良好的经济效益和社会效益。") * 14
    return {
        "cover.name": studio.name, "cover.unit": unit_name, "cover.unit_type": "施工企业",
        "cover.recommender": f"{unit_name}工会", "cover.filled_on": today.strftime("%Y%m%d"),
        "basics.created_on": "20180420", "basics.named_by": "省总工会", "basics.field": field,
        "basics.named_on": "20190501", "basics.type": ["技术攻关"], "basics.members": members,
        "basics.area": str(30 + number * 5),
        "funding.y1.amount": "5", "funding.y1.sources": [{"unit": unit_name, "amount": "5"}],
        "funding.y2.amount": "6", "funding.y2.sources": [{"unit": unit_name, "amount": "6"}],
        "innovation.results": 6 + number, "innovation.applied": 3, "innovation.utility": 2,
        "innovation.invention": number % 3, "innovation.award_intl": 0, "innovation.award_national": number % 2,
        "innovation.award_provincial": 1, "innovation.award_city": 2,
        "benefit.y1.income": "20", "benefit.y1.savings": "30", "benefit.y2.income": "25", "benefit.y2.savings": "35",
        "talent.total": 4, "talent.grade0": 1, "talent.grade1": 1, "talent.grade2": 1, "talent.grade3": 1,
        "talent.grade4": 0, "talent.honour0": 0, "talent.honour1": 0, "talent.honour2": 1, "talent.honour3": 1,
        "talent.list": [{"name": f"{leader_name[0]}一鸣", "promotion": f"{y1}年晋升为高级技师", "honour": "无"},
                        {"name": f"{leader_name[0]}晓东", "promotion": f"{y2}年晋升为技师",
                         "honour": f"{y2}年获企业劳模"},
                        {"name": f"{leader_name[0]}海峰", "promotion": f"{y2}年晋升为高级工", "honour": "无"},
                        {"name": f"{leader_name[0]}立新", "promotion": f"{y1}年取得双重职称",
                         "honour": f"{y1}年获地市级劳模"}],
        "social": "培训职工 300 人次，成果在行业内推广应用",
        "leader.name": leader_name, "leader.gender": "男", "leader.birth": f"19{70 + number % 15}06",
        "leader.education": "大学本科", "leader.ethnicity": "汉族", "leader.political": "中共党员",
        "leader.profession": field, "leader.title": "高级工程师", "leader.phone": f"139{number:04d}5678",
        "leader.honours": [{"year": 2019 + number % 3, "title": "全国五一劳动奖章" if number % 2 else "中国交建劳动模范"}],
        "members": [
            {"name": f"{leader_name[0]}文", "gender": "男", "birth": "198603", "education": "大学本科",
             "title": "工程师", "department": "技术部", "role": "工艺改进"},
            {"name": f"{leader_name[0]}静", "gender": "女", "birth": "199007", "education": "硕士研究生",
             "title": "高级工程师", "department": "工程部", "role": "方案设计"},
            {"name": f"{leader_name[0]}涛", "gender": "男", "birth": f"{year - 29}10", "education": "大学专科",
             "title": "技师", "department": "机电队", "role": "设备改造"},
        ],
        "narrative": re.sub(r"\s+", "", text),
    }
