"""公示 and the decision after it: the proposed list, the published 公示名单, objections, and the group
step's decision per application of the round (named, or not named this year).

The list is proposed from the closed round's ranking within the quota left (BOT_NAMING_QUOTA less
those named and those listed); a tie across the cut must be broken first. A 公示 lasts
BOT_PUBLICITY_WORKING_DAYS working days; an objection received in it is recorded, and an upheld
one takes the studio off the list, so the next in the ranking is proposed for a 公示 of its own.
After its 公示 an application is named through the naming service (下半年, closed round, quota,
one-off grant, never twice), its group step approved with the opinion; or not named this year,
the group step's 不同意 with the opinion printed in the form's 审批意见 box. Leaders and unit
unions are told in chat; the groups get the 公示 and the naming announcement through the robots.
Every change is audited (``publicity.*``; the decision also ``review.*``).
"""
from sqlalchemy import select

from bot import cycle
from bot.errors import UserError
from bot.message import Outgoing
from handlers import policy
from handlers.notices.notice import to_groups, unit_unions
from handlers.office import documents, rows as office_rows, xlsx
from handlers.policy import Do
from handlers.review.steps import names_left, steps_of
from handlers.services import assessment, naming, review
from handlers.services.context import Outcome
from storage.models import Application, Person
from storage.office import Objection, Publicity, PublicityEntry
from storage.statuses import AppStatus, StepStatus

HEADER = ("序号", "工作室名称", "所在单位", "领衔人", "专业领域")
NOT_NAMED = "not_named"
NAME = "name"


def _audit(ctx, action, app=None, *, object_type="publicity", object_id="", before=None, after=None, detail=""):
    ctx.audit(f"publicity.{action}", object_type=object_type, object_id=object_id,
              application_id=app.id if app else None, studio_id=app.studio_id if app else None,
              unit_id=app.studio.unit_id if app else None, before=before, after=after, detail=detail)


def _closed_round(ctx, year):
    round_ = assessment.round_of(ctx.session, year)
    if round_ is None or round_.status != "closed":
        raise UserError(f"{year} 年度考核验收还没有结束，结束后才能按排名确定公示名单。")
    return round_


def entries_of(session, year, status=None):
    query = select(PublicityEntry).join(Publicity).where(Publicity.year == year)
    if status:
        query = query.where(PublicityEntry.status == status)
    return session.scalars(query.order_by(Publicity.number, PublicityEntry.position)).all()


# -- the proposal and the 公示 ---------------------------------------------------------------------

def proposal(ctx, year):
    """The next 公示名单 the ranking and the quota give: Outcome ``proposed`` with ``apps`` (ranked),
    ``slots`` (places left), ``tie`` (an unbroken tie across the cut: the apps to order first)."""
    policy.require(ctx.actor, Do.PUBLICITY, "公示")
    round_ = _closed_round(ctx, year)
    session = ctx.session
    listed = {e.application_id for e in entries_of(session, year)}          # listed, or taken off
    live = [e for e in entries_of(session, year, "listed") if e.application.status != AppStatus.NAMED]
    named, left = names_left(session, ctx.config, year)
    slots = max(0, left - len(live))
    candidates = [(s, app) for s, app in assessment.standings(session, round_)
                  if s.totals and app.id not in listed and assessment.reached_group_step(session, app)]
    chosen, tie = [], []
    for n, (s, app) in enumerate(candidates):
        if len(chosen) >= slots:
            break
        group = [s.app_id] + [other.app_id for other, _ in candidates[n + 1:] if other.app_id in s.tied_with]
        if len(chosen) + len(group) > slots:            # a tie across the cut: the office orders it first
            tie = sorted([s.app_id, *s.tied_with])
            break
        chosen.append(app)
    return Outcome("proposed", {"apps": chosen, "slots": slots, "tie": sorted(tie), "named": named,
                                "listed": len(live), "quota": ctx.config.naming_quota})


def publish(ctx, year, working_days=None):
    """Publish the proposal as a 公示名单 from today (its first working day) for ``working_days``
    (default BOT_PUBLICITY_WORKING_DAYS); the leaders, unit unions and groups are told."""
    proposed = proposal(ctx, year)
    if proposed["tie"]:
        raise UserError("排名并列跨过了名额线，请先确定并列名次：" +
                        "、".join(ctx.session.get(Application, i).studio.name for i in proposed["tie"]) + "。")
    apps = proposed["apps"]
    if not apps:
        raise UserError(f"{year} 年度没有可以公示的申报（名额已满或排名中没有待公示的申报）。")
    days = working_days or ctx.config.publicity_working_days
    if not 1 <= days <= 60:
        raise UserError("公示期应为 1 到 60 个工作日。")
    session = ctx.session
    number = (session.scalar(select(Publicity.number).where(Publicity.year == year)
                             .order_by(Publicity.number.desc()).limit(1)) or 0) + 1
    starts = cycle.first_workday_from(ctx.clock.today())
    publicity = Publicity(year=year, number=number, starts_on=starts, ends_on=cycle.add_workdays(starts, days - 1),
                          working_days=days, published_by=ctx.actor.person_id, published_at=ctx.clock.utcnow())
    session.add(publicity)
    session.flush()
    for position, app in enumerate(apps, 1):
        session.add(PublicityEntry(publicity_id=publicity.id, application_id=app.id, position=position,
                                   status="listed", removed_reason=""))
        _audit(ctx, "list", app, object_type="publicity", object_id=publicity.id,
               after={"publicity": publicity.number, "position": position})
    session.flush()
    _audit(ctx, "publish", object_id=publicity.id, after={"apps": [a.id for a in apps], "ends_on": str(publicity.ends_on)},
           detail=f"{year} 年度第 {number} 批公示，{len(apps)} 家，{days} 个工作日")
    told = _tell_published(ctx, publicity, apps)
    return Outcome("published", {"publicity": publicity, "apps": apps}, told=told)


def _period(publicity):
    return (f"{documents.chinese_day(publicity.starts_on)}至{documents.chinese_day(publicity.ends_on)}"
            f"（{publicity.working_days} 个工作日）")


def _tell_published(ctx, publicity, apps):
    period = _period(publicity)
    lines = [f"【公示】{publicity.year} 年度“{ctx.config.org_name}劳模（工匠人才）创新工作室”拟命名名单"
             f"（第 {publicity.number} 批）公示期为{period}："]
    lines += [f"{n}. {a.studio.name}（{a.studio.unit.name if a.studio.unit else ''}）" for n, a in enumerate(apps, 1)]
    lines.append(f"如有异议，请在公示期内以书面形式向{ctx.config.union_name}办公室反映。")
    for notice in to_groups(ctx.session, "publicity", f"publicity:{publicity.id}", Outgoing(text="\n".join(lines))):
        notice.write(ctx.session)
    told = []
    for app in apps:
        people = ([ctx.session.get(Person, app.studio.leader_id)] if app.studio.leader_id else []) + \
            unit_unions(ctx.session, app.studio.unit_id)
        for person in people:
            text = (f"【公示】{person.name}您好，「{app.studio.name}」已列入 {publicity.year} 年度拟命名名单，"
                    f"公示期为{period}。公示结束后由{ctx.config.union_name}审批命名。")
            if ctx.tell(person, text, key=f"publicity:{publicity.id}:{app.id}:{person.id}", notice="publicity"):
                told.append(person)
    return told


def lists(ctx, year):
    """The year's 公示 lists with their entries and objections (the console's page)."""
    policy.require(ctx.actor, Do.PUBLICITY, "公示")
    session = ctx.session
    found = []
    for publicity in session.scalars(select(Publicity).where(Publicity.year == year).order_by(Publicity.number)):
        entries = session.scalars(select(PublicityEntry).where(PublicityEntry.publicity_id == publicity.id)
                                  .order_by(PublicityEntry.position)).all()
        objections = {e.id: session.scalars(select(Objection).where(Objection.entry_id == e.id)
                                            .order_by(Objection.id)).all() for e in entries}
        found.append((publicity, entries, objections))
    return found


def over(publicity, today):
    return today > publicity.ends_on


# -- objections ----------------------------------------------------------------------------------------

def _entry(ctx, year, app_id):
    entry = next((e for e in entries_of(ctx.session, year, "listed") if e.application_id == app_id), None)
    if entry is None:
        raise UserError("这家工作室不在公示名单上。")
    return entry


def record_objection(ctx, year, app_id, content, source="", received_on=None):
    """An objection received about a listed studio during its 公示."""
    policy.require(ctx.actor, Do.PUBLICITY, "登记异议")
    entry = _entry(ctx, year, app_id)
    content = (content or "").strip()
    if not content:
        raise UserError("请写明异议的内容。")
    received_on = received_on or ctx.clock.today()
    publicity = entry.publicity
    if not publicity.starts_on <= received_on <= publicity.ends_on:
        raise UserError(f"只登记公示期内（{_period(publicity)}）收到的异议。")
    objection = Objection(entry_id=entry.id, received_on=received_on, source=(source or "").strip()[:200] or "未具名",
                          content=content, status="open", finding="", recorded_by=ctx.actor.person_id)
    ctx.session.add(objection)
    ctx.session.flush()
    _audit(ctx, "objection", entry.application, object_type="objection", object_id=objection.id,
           after={"source": objection.source, "content": content, "received_on": str(received_on)}, detail=content)
    return Outcome("recorded", {"objection": objection, "entry": entry})


def decide_objection(ctx, objection_id, upheld, finding):
    """The office's finding on an objection: upheld takes the studio off the list (the next in the
    ranking may then be published for its own 公示), else dismissed."""
    policy.require(ctx.actor, Do.PUBLICITY, "处理异议")
    objection = ctx.session.get(Objection, objection_id)
    if objection is None:
        raise UserError("没有找到这条异议。")
    if objection.status != "open":
        raise UserError("这条异议已经处理过了。")
    finding = (finding or "").strip()
    if not finding:
        raise UserError("请写明核实情况。")
    entry = objection.entry
    app = entry.application
    objection.status = "upheld" if upheld else "dismissed"
    objection.finding, objection.decided_by, objection.decided_at = finding, ctx.actor.person_id, ctx.clock.utcnow()
    _audit(ctx, "objection." + objection.status, app, object_type="objection", object_id=objection.id,
           before={"status": "open"}, after={"status": objection.status}, detail=finding)
    told = []
    if upheld:
        entry.status, entry.removed_reason = "removed", finding
        _audit(ctx, "remove", app, object_type="publicity", object_id=entry.publicity_id,
               before={"status": "listed"}, after={"status": "removed"}, detail=finding)
        people = ([ctx.session.get(Person, app.studio.leader_id)] if app.studio.leader_id else []) + \
            unit_unions(ctx.session, app.studio.unit_id)
        for person in people:
            if ctx.tell(person, f"【公示异议】{person.name}您好，「{app.studio.name}」公示期间收到的异议经核实成立"
                                f"（{finding}），不再列入 {entry.publicity.year} 年度拟命名名单。",
                        key=f"objection:{objection.id}:{person.id}", notice="publicity"):
                told.append(person)
    return Outcome(objection.status, {"objection": objection, "entry": entry, "app": app}, told=told)


# -- the decision after the 公示 ---------------------------------------------------------------------------

def decide(ctx, app_id, decision, opinion="", named_on=None):
    """The group step's decision for an application of the closed round: ``name`` (after its 公示,
    without an open objection: approved with ``opinion`` and named through the naming service) or
    ``not_named`` (the ``opinion`` why it is not named this year, the step's 不同意)."""
    policy.require(ctx.actor, Do.PUBLICITY, "命名审批")
    session = ctx.session
    app = session.get(Application, app_id)
    if app is None:
        raise UserError("没有找到这份申报。")
    if not assessment.assessed(session, app):
        raise UserError(f"「{app.studio.name}」{app.year} 年度申报还没有考核验收记录，不能作出命名决定。")
    opinion = (opinion or "").strip()
    step = next((s for s in steps_of(session, app) if s.role == "group"), None)
    pending = step is not None and step.status == StepStatus.PENDING
    if decision == NAME:
        named_on = named_on or ctx.clock.today()
        entry = next((e for e in entries_of(session, app.year, "listed") if e.application_id == app.id), None)
        if entry is None:
            raise UserError(f"「{app.studio.name}」不在公示名单上，不能命名。")
        if not over(entry.publicity, ctx.clock.today()):
            raise UserError(f"「{app.studio.name}」的公示期到 {documents.chinese_day(entry.publicity.ends_on)} 结束，"
                            "公示结束后才能命名。")
        if session.scalar(select(Objection.id).where(Objection.entry_id == entry.id, Objection.status == "open")):
            raise UserError(f"「{app.studio.name}」还有未处理的公示异议，请先核实处理。")
        naming.check(ctx, app, named_on, approved=not pending)
        if pending:
            review.decide(ctx, step.id, step.version, "approve", opinion or "同意命名")
        outcome = naming.name(ctx, app, named_on)
        told = _tell_unions(ctx, app, f"「{app.studio.name}」已于{documents.chinese_day(named_on)}被命名为"
                                      f"“{ctx.config.org_name}劳模（工匠人才）创新工作室”，一次性补助经费 "
                                      f"{ctx.config.grant_wan} 万元已记入其经费台账。", "named")
        return Outcome("named", {**outcome.facts, "entry": entry}, told=told)
    if decision != NOT_NAMED:
        raise UserError("命名决定只能是「命名」或「本年度不予命名」。")
    if not opinion:
        raise UserError("请写明本年度不予命名的意见（会打印在申报表的审批意见栏）。")
    if not pending:
        raise UserError(f"「{app.studio.name}」的集团工会审批已经完成（{step.status if step else '无审批步骤'}），"
                        "不能再作出不予命名的决定。")
    live = next((e for e in entries_of(session, app.year, "listed") if e.application_id == app.id), None)
    if live is not None and not over(live.publicity, ctx.clock.today()):
        raise UserError(f"「{app.studio.name}」正在公示，公示结束后再作决定。")
    review.decide(ctx, step.id, step.version, "reject", opinion)
    told = _tell_unions(ctx, app, f"「{app.studio.name}」{app.year} 年度申报本年度不予命名（意见：{opinion}）。",
                        "not_named")
    return Outcome("not_named", {"app": app, "opinion": opinion}, told=told)


def _tell_unions(ctx, app, text, what):
    told = []
    for person in unit_unions(ctx.session, app.studio.unit_id):
        if ctx.tell(person, f"【命名结果】{person.name}您好，{text}", key=f"decision:{app.id}:{what}:{person.id}",
                    notice="naming"):
            told.append(person)
    return told


# -- the 公示名单 as XLSX and DOCX ----------------------------------------------------------------------------

def _publicity(ctx, publicity_id):
    policy.require(ctx.actor, Do.PUBLICITY, "公示名单")
    publicity = ctx.session.get(Publicity, publicity_id)
    if publicity is None:
        raise UserError("没有找到这份公示名单。")
    return publicity


def listed_rows(session, publicity):
    entries = session.scalars(select(PublicityEntry).where(PublicityEntry.publicity_id == publicity.id,
                                                           PublicityEntry.status == "listed")
                              .order_by(PublicityEntry.position)).all()
    return [office_rows.studio_row(session, e.application) for e in entries]


def document(ctx, publicity_id, fmt):
    """The 公示名单 of ``publicity_id`` as ``xlsx`` or ``docx``: Outcome with ``name`` and ``data``."""
    publicity = _publicity(ctx, publicity_id)
    rows = listed_rows(ctx.session, publicity)
    base = f"{publicity.year}年度拟命名名单公示（第{publicity.number}批）"
    if fmt == "xlsx":
        data = xlsx.workbook([("公示名单", HEADER, [(n, r.name, r.unit, r.leader, r.field) for n, r in enumerate(rows, 1)],
                               f"{base}  公示期：{_period(publicity)}")])
    elif fmt == "docx":
        data = documents.publicity_docx(ctx.config, publicity, rows)
    else:
        raise UserError("只能导出 XLSX 或 DOCX。")
    ctx.audit("document.publicity", object_type="publicity", object_id=publicity.id, detail=f"{base}.{fmt}")
    return Outcome("document", {"name": f"{base}.{fmt}", "data": data})

