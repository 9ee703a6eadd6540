"""The office's year in tests: units, studios with their leaders and unit unions, applications at the
group union's step, three experts, and a service ``Context`` for any try-out identity."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from handlers.review.steps import STEPS
from handlers.services import assessment
from handlers.services.context import Context
from storage import applications
from tests.support.clock import clock
from storage.actor import Actor
from storage.models import Application, Person, ReviewStep, Studio
from storage.office import AssessmentRound, ScoreSheet
from storage.people import bind, get_studio, get_unit, resolve_person, upsert_person

UNITS = ("中交第一航务工程局有限公司", "中交第二航务工程局有限公司", "中交第三航务工程局有限公司",
         "中交第四航务工程局有限公司")
# (try-out id, name, unit index or None for the group headquarters)
EXPERTS = (("expert1", "周专家", 0), ("expert2", "吴专家", 1), ("expert3", "郑专家", None))
FIELDS = ("港口工程", "桥梁施工", "隧道盾构", "BIM 技术", "焊接工艺", "测量技术", "疏浚工程", "机电维修")


def ctx(bot, session, user):
    """The services' Context of the try-out identity ``user`` (as the console would build it)."""
    person = resolve_person(session, "web", user)
    return Context(session, Actor.of_person(person, "console", f"test:{user}"), bot.clock, bot.config)


def system_ctx(bot, session):
    return Context(session, Actor.system(channel="cli"), bot.clock, bot.config)


def at_group_step(session, studio, year, leader, reviewer):
    """An application of ``studio`` whose unit steps are approved and the group step pending."""
    now = clock.utcnow()
    app = Application(studio_id=studio.id, year=year, status="submitted", flags={}, created_at=now, updated_at=now,
                      submitted_at=now)
    session.add(app)
    session.flush()
    for n, role in STEPS:
        session.add(ReviewStep(application_id=app.id, step=n, role=role, opinion="同意" if role != "group" else "",
                               status="approved" if role != "group" else "pending", reminders=0,
                               version=2 if role != "group" else 1, decided_at=now if role != "group" else None,
                               decided_by=reviewer.id if role != "group" else None,
                               pending_since=now))
    actor = Actor.system(channel="cli")
    for key, value in (("leader.name", leader.name), ("basics.field", FIELDS[studio.id % len(FIELDS)]),
                       ("basics.type", "技术攻关"), ("basics.members", 8 + studio.id % 5)):
        applications.set_answer(session, app.id, key, value, actor, studio_id=studio.id)
    return app


def office_year(bot, year=2026, n=8):
    """``n`` studios in four units (two a unit), each with a leader (try-out ``lead<i>``), a union per
    unit (``union<u>``), applications of ``year`` at the group step, and three experts. Returns
    {"apps": [ids], "studios": [ids], "units": [ids]}."""
    with bot.db.transaction() as s:
        units = [get_unit(s, name, "施工企业") for name in UNITS]
        unions = []
        for u, unit in enumerate(units):
            unions.append(upsert_person(s, f"工会{u}", unit, ["union"]))
            bind(s, unions[-1], "web", f"union{u}")
        for try_id, name, u in EXPERTS:
            unit = units[u] if u is not None else get_unit(s, "集团总部", "集团")
            bind(s, upsert_person(s, name, unit, ["expert"]), "web", try_id)
        apps, studios = [], []
        for i in range(n):
            unit = units[i % len(units)]
            leader = upsert_person(s, f"领衔人{i}", unit, ["leader"])
            bind(s, leader, "web", f"lead{i}")
            studio = get_studio(s, f"{FIELDS[i % len(FIELDS)]}{i}号创新工作室", unit, leader)
            leader.studio_id = studio.id
            studios.append(studio.id)
            apps.append(at_group_step(s, studio, year, leader, unions[i % len(units)]).id)
        return {"apps": apps, "studios": studios, "units": [u.id for u in units]}


def person_id(bot, user):
    with bot.db.session() as s:
        return resolve_person(s, "web", user).id


def closed_round(session, year, apps):
    """A closed 考核验收 round that scored ``apps`` (the record naming requires), for tests about naming."""
    round_ = session.scalar(select(AssessmentRound).where(AssessmentRound.year == year))
    if round_ is None:
        round_ = AssessmentRound(year=year, rubric=[{"key": "i1", "name": "综合", "max": "100", "basis": ""}],
                                 next_item=2, ties=[], status="closed", created_at=clock.utcnow(),
                                 closed_at=clock.utcnow())
        session.add(round_)
        session.flush()
    expert = session.scalar(select(Person).where(Person.name == "考核专家"))
    if expert is None:
        expert = Person(name="考核专家")
        session.add(expert)
        session.flush()
    for app in apps:
        session.add(ScoreSheet(round_id=round_.id, application_id=app.id, expert_id=expert.id, scores={"i1": "90"},
                               notes={}, comment="合格", assigned_at=clock.utcnow(), submitted_at=clock.utcnow()))
    session.flush()
    return round_


def scores_for(round_, total):
    """Points per rubric item adding up to ``total``: full marks less the difference, item by item."""
    left = Decimal(100) - Decimal(str(total))
    result = {}
    for item in round_.rubric:
        cut = min(left, Decimal(item["max"]))
        value = Decimal(item["max"]) - cut
        result[item["key"]] = str(value.normalize()) if value == value.to_integral() else str(value)
        left -= cut
    return result


def assessed_year(bot, totals, expert="expert3", year=2026, close=True):
    """Run 考核验收 through the services: the round opened, ``expert`` invited and assigned each app
    of ``totals`` ({app id: total}), every sheet scored and submitted, the round closed."""
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        round_ = assessment.open_round(office, year)["round"]
        assessment.invite(office, year, resolve_person(s, "web", expert).id)
        for app_id, total in totals.items():
            sheet = assessment.assign(office, year, app_id, resolve_person(s, "web", expert).id)["sheet"]
            assessment.save_sheet(ctx(bot, s, expert), sheet.id, scores_for(round_, total), comment="符合七有标准")
            assessment.submit_sheet(ctx(bot, s, expert), sheet.id)
        if close:
            assessment.close_round(office, year)


def studio_named(session, name):
    return session.scalar(select(Studio).where(Studio.name == name)).status == "named"


def moment(y, m, d, h=10):
    return datetime(y, m, d, h, 0)
