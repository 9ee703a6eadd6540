"""The console's 总览: the current year (the decision clock's) at a glance — counts by step, the units ×
studios table (form progress, 七有, proofs missing, step and working days waiting), the working-day
countdown to the deadline, 未提交名单 and overdue reviewers with 催办 — scoped by the policy.

Also the rows every list of applications shows (``studio_rows``, ``enrich``): read in a fixed number of
statements whatever the number of studios (no per-row query), and judged by the same code as the
chat (七有: handlers/application/seven_record.py, proofs: handlers/application/proofs.py).
"""
from dataclasses import dataclass, field
from datetime import date

from flask import g, redirect, request
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from bot import cycle
from bot.console import access, export
from bot.console.paging import page_of, page_of_list
from bot.console.render import render
from bot.errors import UserError
from bot.workdays import workdays_between
from handlers.application import proofs, seven, seven_record
from handlers.application.current import application_year
from handlers.application.schema import application_form
from handlers.policy import Do, allowed, application_scope
from handlers.review.steps import STEP_NAMES
from handlers.services import review
from handlers.services.context import Context
from storage.models import Answer, Application, Attachment, OutboxMessage, Person, PersonRole, ReviewStep, Studio, Unit
from storage.statuses import AppStatus, StepStatus, StudioStatus

TABS = {"studios": "工作室", "unsubmitted": "未提交名单", "overdue": "逾期未审"}
NOT_SUBMITTED = (AppStatus.DRAFT, AppStatus.WITHDRAWN)
Leader = aliased(Person)
EXPORT_LIMIT = 5000


# -- the rows ------------------------------------------------------------------------------------

def year_now(bot):
    """The year being applied for on the decision clock's today."""
    return application_year(bot.config, bot.clock.today())


def studio_rows(viewer, year, *, q="", unit_id=None, only_applications=False):
    """A select of the studios the viewer reaches with their ``year`` application (if any), by unit then name."""
    query = (select(Studio.id.label("studio_id"), Studio.name.label("studio"), Studio.status.label("studio_status"),
                    Studio.named_on, Unit.id.label("unit_id"), Unit.name.label("unit"),
                    Leader.name.label("leader"), Application.id.label("app_id"),
                    Application.status.label("status"), Application.flags, Application.updated_at,
                    Application.submitted_at)
             .select_from(Studio)
             .join(Application, and_(Application.studio_id == Studio.id, Application.year == year),
                   isouter=not only_applications)
             .outerjoin(Unit, Unit.id == Studio.unit_id)
             .outerjoin(Leader, Leader.id == Studio.leader_id)
             .where(application_scope(viewer)))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Studio.name.like(like), Unit.name.like(like), Leader.name.like(like)))
    if unit_id:
        query = query.where(Studio.unit_id == unit_id)
    return query.order_by(Unit.name, Studio.name, Studio.id)


@dataclass
class Row:
    """One studio's line: what every list of applications shows."""
    studio_id: int
    studio: str
    unit: str
    unit_id: int | None
    leader: str
    studio_status: str
    app_id: int | None = None
    status: str | None = None
    year: int = 0
    flags: dict = field(default_factory=dict)
    stage: str = "未开始填写"
    step: object = None               # the pending or returned ReviewStep
    done: int = 0
    total: int = 0
    haves: list = field(default_factory=list)
    lacking: list = field(default_factory=list)
    waiting: int | None = None        # working days the current step (or the leader after a 退回) has waited
    updated_at: object = None

    @property
    def progress(self):
        return f"{self.done}/{self.total}" if self.app_id else "—"

    @property
    def seven_marks(self):
        return "".join(seven.MARK[h.status] if h.status != seven.UNKNOWN else "?" for h in self.haves)

    @property
    def seven_summary(self):
        return seven.summary(self.haves) if self.haves else "—"

    @property
    def unit_name(self):
        return self.unit or "（未设置单位）"


def stage_of(status, step, studio_status):
    if status is None:
        return {StudioStatus.NAMED: "已命名", StudioStatus.REVOKED: "称号已撤销"}.get(studio_status, "未开始填写")
    if status == AppStatus.SUBMITTED and step is not None:
        return f"第 {step.step} 步 {STEP_NAMES[step.role]}"
    if status == AppStatus.RETURNED and step is not None:
        return f"已退回修改（第 {step.step} 步 {STEP_NAMES[step.role]}）"
    return {AppStatus.DRAFT: "填写中", AppStatus.WITHDRAWN: "已撤回", AppStatus.APPROVED: "审批通过，待命名",
            AppStatus.REJECTED: "未通过", AppStatus.NAMED: "已命名", AppStatus.SUBMITTED: "审批中",
            AppStatus.RETURNED: "已退回修改"}.get(status, status)


def enrich(session, bot, raw, year):
    """``Row``s of ``raw`` (rows of ``studio_rows``) with progress, 七有, proofs and waiting: four
    statements for the answers, steps and proofs of every row plus the 七有's few, however many rows."""
    rows = [Row(r.studio_id, r.studio, r.unit or "", r.unit_id, r.leader or "", r.studio_status, r.app_id, r.status,
                year, dict(r.flags or {}), updated_at=r.updated_at) for r in raw]
    ids = [r.app_id for r in rows if r.app_id]
    if not ids:
        for row in rows:
            row.stage = stage_of(None, None, row.studio_status)
        return rows
    answers = {i: {} for i in ids}
    for app_id, key, value in session.execute(select(Answer.application_id, Answer.key, Answer.value)
                                              .where(Answer.application_id.in_(ids))):
        answers[app_id][key] = value
    steps = {}
    for step in session.scalars(select(ReviewStep).where(ReviewStep.application_id.in_(ids),
                                                         ReviewStep.status.in_([StepStatus.PENDING,
                                                                                StepStatus.RETURNED]))):
        steps[step.application_id] = step
    counts = {}
    for app_id, key, n in session.execute(select(Attachment.owner_id, Attachment.field_key, func.count(Attachment.id))
                                          .where(Attachment.owner_kind == "application", Attachment.owner_id.in_(ids))
                                          .group_by(Attachment.owner_id, Attachment.field_key)):
        counts.setdefault(app_id, {})[key] = n
    form = application_form(year)
    starred = proofs.starred(form)
    values = {}
    today = bot.clock.today()
    for row in rows:
        if not row.app_id:
            row.stage = stage_of(None, None, row.studio_status)
            continue
        got = answers[row.app_id]
        values[row.app_id] = form.complete_values(got)
        row.total = len(form.asked)
        row.done = row.total - len(form.missing(got, set(row.flags.get("skipped", []))))
        have = counts.get(row.app_id, {})
        row.lacking = [item.qualified for item in starred
                       if proofs.needs_proof(item, values[row.app_id].get(item.key)) and not have.get(item.key)]
        row.step = steps.get(row.app_id)
        row.stage = stage_of(row.status, row.step, row.studio_status)
        if row.step is not None and row.status == AppStatus.SUBMITTED and row.step.status == StepStatus.PENDING:
            since = row.step.pending_since
            row.waiting = workdays_between(since.date(), today) if since else None
        elif row.step is not None and row.status == AppStatus.RETURNED and row.step.decided_at:
            row.waiting = workdays_between(row.step.decided_at.date(), today)
    judged = seven_record.check_many(session, [_Judged(r) for r in rows if r.app_id], values, bot.config)
    for row in rows:
        if row.app_id:
            row.haves = judged[row.app_id]
    return rows


class _Judged:
    """What ``seven_record.check_many`` reads of an application (without loading the ORM row)."""

    def __init__(self, row):
        self.id, self.studio_id, self.year, self.flags, self.unit = row.app_id, row.studio_id, row.year, row.flags, \
            row.unit


# -- counts, lists ---------------------------------------------------------------------------------

COUNT_ORDER = ["未开始填写", "填写中", "第 1 步 所在单位工会", "第 2 步 所在单位技术部门", "第 3 步 所在单位党委",
               "第 4 步 集团工会联合会", "已退回修改", "审批通过，待命名", "未通过", "已命名"]


def counts(session, viewer, year):
    """[(label, number)] of the reachable studios by where their ``year`` application stands: one statement."""
    pending = aliased(ReviewStep)
    query = (select(Studio.status, Application.status, pending.step, pending.role, func.count())
             .select_from(Studio)
             .outerjoin(Application, and_(Application.studio_id == Studio.id, Application.year == year))
             .outerjoin(pending, and_(pending.application_id == Application.id, pending.status == StepStatus.PENDING))
             .where(application_scope(viewer))
             .group_by(Studio.status, Application.status, pending.step, pending.role))
    found = {}
    for studio_status, status, step, role, n in session.execute(query):
        if status is None:
            label = "已命名" if studio_status == StudioStatus.NAMED else (
                "称号已撤销" if studio_status == StudioStatus.REVOKED else "未开始填写")
        elif status == AppStatus.SUBMITTED and step is not None:
            label = f"第 {step} 步 {STEP_NAMES[role]}"
        elif status == AppStatus.WITHDRAWN:
            label = "填写中"
        elif status == AppStatus.RETURNED:
            label = "已退回修改"
        else:
            label = stage_of(status, None, studio_status)
        found[label] = found.get(label, 0) + n
    order = COUNT_ORDER + sorted(set(found) - set(COUNT_ORDER))
    return [(label, found.get(label, 0)) for label in order if label in found or label in COUNT_ORDER]


def unsubmitted_query(viewer, year, q="", unit_id=None):
    """未提交名单: studios expected to apply (not named, title not withdrawn) with no ``year``
    application, a draft or a withdrawn one."""
    return studio_rows(viewer, year, q=q, unit_id=unit_id).where(
        Studio.status == StudioStatus.ACTIVE,
        or_(Application.id.is_(None), Application.status.in_(list(NOT_SUBMITTED))))


@dataclass
class Overdue:
    step_id: int
    app_id: int
    studio: str
    unit: str
    step: int
    role: str
    since: date
    waiting: int
    reviewers: list


def overdue(session, bot, viewer, year, q="", unit_id=None):
    """Steps of ``year`` pending for BOT_REMIND_AFTER_DAYS working days or more, with their reviewers
    (the step's assignee, else the role's holders of the unit outside the studio): three statements."""
    query = (select(ReviewStep.id, ReviewStep.step, ReviewStep.role, ReviewStep.assignee_id, ReviewStep.pending_since,
                    Application.id, Studio.id, Studio.name, Studio.unit_id, Unit.name)
             .select_from(ReviewStep).join(Application, Application.id == ReviewStep.application_id)
             .join(Studio, Studio.id == Application.studio_id).outerjoin(Unit, Unit.id == Studio.unit_id)
             .where(ReviewStep.status == StepStatus.PENDING, Application.year == year, application_scope(viewer)))
    if q:
        query = query.where(or_(Studio.name.like(f"%{q}%"), Unit.name.like(f"%{q}%")))
    if unit_id:
        query = query.where(Studio.unit_id == unit_id)
    today, limit = bot.clock.today(), max(1, bot.config.remind_after_working_days)
    late = []
    for step_id, n, role, assignee, since, app_id, studio_id, studio, unit_id_, unit in session.execute(
            query.order_by(ReviewStep.pending_since, ReviewStep.id)):
        waited = workdays_between(since.date(), today) if since else 0
        if waited >= limit:
            late.append((step_id, n, role, assignee, since, app_id, studio_id, studio, unit_id_, unit, waited))
    if not late:
        return []
    holders = {}
    roles = sorted({row[2] for row in late})
    for person_id, name, unit_id_, studio_id, role in session.execute(
            select(Person.id, Person.name, Person.unit_id, Person.studio_id, PersonRole.role)
            .join(PersonRole, PersonRole.person_id == Person.id).where(PersonRole.role.in_(roles))
            .order_by(Person.id)):
        holders.setdefault(role, []).append((person_id, name, unit_id_, studio_id))
    result = []
    for step_id, n, role, assignee, since, app_id, studio_id, studio, unit_id_, unit, waited in late:
        names = [name for p, name, u, s in holders.get(role, [])
                 if (assignee == p if assignee else (role == "group" or u == unit_id_) and s != studio_id)]
        result.append(Overdue(step_id, app_id, studio, unit or "", n, role, since.date(), waited, names))
    return result


def reminded_today(session, bot, year):
    """(step ids, studio ids) reminded today (the dedupe keys of the services' 催办): one statement."""
    day = f"{bot.clock.today():%Y%m%d}"
    steps, studios = set(), set()
    for (key,) in session.execute(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.notice.in_(["review_chase", "deadline"]), or_(
            OutboxMessage.dedupe_key.like(f"remind:%:{day}:%"),
            OutboxMessage.dedupe_key.like(f"nudge:%:{year}:{day}:%")))):
        parts = key.split(":")
        if parts[0] == "remind" and parts[2] == day:
            steps.add(int(parts[1]))
        elif parts[0] == "nudge" and parts[2] == str(year) and parts[3] == day:
            studios.add(int(parts[1]))
    return steps, studios


def countdown(bot, year):
    """What the page says of the deadline: its date, calendar and working days left."""
    cal = cycle.calendar(bot.config, year)
    today = bot.clock.today()
    return {"deadline": cal.deadline, "date": cycle.chinese_date(cal.deadline), "days": (cal.deadline - today).days,
            "workdays": workdays_between(today, cal.deadline), "aim": cal.aim, "past": today > cal.deadline}


def units_of(session, viewer, year):
    """[(id, name)] of the units the viewer's lists can be filtered by."""
    query = (select(Unit.id, Unit.name).select_from(Studio).join(Unit, Unit.id == Studio.unit_id)
             .outerjoin(Application, and_(Application.studio_id == Studio.id, Application.year == year))
             .where(application_scope(viewer)).distinct())
    return sorted(session.execute(query).all(), key=lambda u: u[1])


# -- the views --------------------------------------------------------------------------------------

def _int(name):
    try:
        return int(request.args.get(name) or 0) or None
    except ValueError:
        return None


def studio_line(row):
    """A row as exported (and as the table reads it)."""
    return [row.unit_name, row.studio, row.leader, row.stage, row.progress,
            " ".join(f"{h.name}{seven.MARK[h.status]}" for h in row.haves) if row.haves else "—",
            "、".join(row.lacking) if row.lacking else ("无" if row.app_id else "—"),
            row.waiting if row.waiting is not None else ""]


STUDIO_HEADER = ["单位", "工作室", "领衔人", "当前环节", "填写进度", "七有", "缺少证明", "已等待（工作日）"]
UNSUBMITTED_HEADER = ["单位", "工作室", "领衔人", "状态", "填写进度", "最后填写", "今天已催办"]
OVERDUE_HEADER = ["单位", "工作室", "环节", "审批人", "待审起始", "已等待（工作日）", "今天已催办"]


def register(bp, bot):

    @bp.get("/")
    @access.page(Do.CONSOLE)
    def board():
        viewer = g.viewer
        if not allowed(viewer, Do.READ_APPLICATION):
            return render("console/board.html", limited=True)
        year = year_now(bot)
        show = request.args.get("show", "studios")
        show = show if show in TABS else "studios"
        q = (request.args.get("q") or "").strip()[:50]
        unit_id = _int("unit")
        wants_export = request.args.get("export") == "xlsx"
        size = bot.config.console_page_size
        may_remind = allowed(viewer, Do.REMIND)
        with bot.db.reading() as session:
            numbers = counts(session, viewer, year)
            units = units_of(session, viewer, year)
            steps_done, studios_done = reminded_today(session, bot, year)
            late = overdue(session, bot, viewer, year, q if show == "overdue" else "",
                           unit_id if show == "overdue" else None)
            unsubmitted_total = session.scalar(select(func.count()).select_from(
                unsubmitted_query(viewer, year).order_by(None).subquery()))
            page = rows = None
            if show in ("studios", "unsubmitted"):
                query = studio_rows(viewer, year, q=q, unit_id=unit_id) if show == "studios" else \
                    unsubmitted_query(viewer, year, q, unit_id)
                if wants_export:
                    rows = enrich(session, bot, session.execute(query.limit(EXPORT_LIMIT)).all(), year)
                else:
                    page = page_of(session, query, size)
                    rows = enrich(session, bot, page.rows, year)
        if wants_export:
            return _export(show, year, rows, late, steps_done, studios_done)
        if show == "overdue":
            page = page_of_list(late, size)
        return render("console/board.html", block="tab", year=year, show=show, tabs=TABS, q=q, unit_id=unit_id,
                      units=units, counts=numbers, countdown=countdown(bot, year), page=page, rows=rows,
                      late=page.rows if show == "overdue" else late, late_total=len(late),
                      unsubmitted_total=unsubmitted_total, steps_done=steps_done, studios_done=studios_done,
                      may_remind=may_remind, marks=seven.MARK, limited=False)

    @bp.post("/remind/step/<int:step_id>")
    @access.page(Do.REMIND, "催办")
    def remind_step(step_id):
        with bot.db.transaction() as session:
            outcome = review.remind(Context(session, g.viewer, bot.clock, bot.config), step_id)
            told = [p.name for p in outcome.told]
            already = [p.name for p in outcome["already"]]
        if told:
            message, kind = f"已催办：{'、'.join(told)}（今天不再重复发送）。", "ok"
        elif already:
            message, kind = f"今天已催办过 {'、'.join(already)}，明天才能再次催办。", "pending"
        else:
            message, kind = "这一步没有可以提醒的审批人（未绑定消息账号）。", "bad"
        return _reminded(message, kind)

    @bp.post("/remind/studio/<int:studio_id>")
    @access.page(Do.REMIND, "催办")
    def remind_studio(studio_id):
        year = year_now(bot)
        with bot.db.transaction() as session:
            studio = session.get(Studio, studio_id)
            if studio is None:
                raise UserError("没有这个工作室。")
            outcome = review.remind_applicant(Context(session, g.viewer, bot.clock, bot.config), studio, year)
            told = [p.name for p in outcome.told]
            already = [p.name for p in outcome["already"]]
            unbound = [p.name for p in outcome["unbound"]]
        if told:
            message, kind = f"已催办：{'、'.join(told)}（今天不再重复发送）。", "ok"
        elif already:
            message, kind = f"今天已催办过 {'、'.join(already)}，明天才能再次催办。", "pending"
        elif unbound:
            message, kind = f"{'、'.join(unbound)} 还没有绑定消息账号，无法催办。", "bad"
        else:
            message, kind = "这个工作室还没有领衔人，无法催办。", "bad"
        return _reminded(message, kind)


def _reminded(message, kind):
    """The 催办 button's answer: the cell's new text for htmx, else back to the page it came from."""
    if request.headers.get("HX-Request"):
        return render("console/board.html", block="reminded", message=message, kind=kind)
    back = request.referrer or "/console/"
    return redirect(back if back.startswith(request.host_url + "console/") or back.startswith("/console/")
                    else "/console/")


def _export(show, year, rows, late, steps_done, studios_done):
    if show == "studios":
        return export.xlsx(f"{year}年申报总览.xlsx", f"{year}年申报总览", STUDIO_HEADER,
                           [studio_line(r) for r in rows], caption=f"{year} 年度 · {len(rows)} 个工作室",
                           object_type="board", object_id=str(year))
    if show == "unsubmitted":
        return export.xlsx(f"{year}年未提交名单.xlsx", f"{year}年未提交名单", UNSUBMITTED_HEADER,
                           [[r.unit_name, r.studio, r.leader, r.stage, r.progress,
                             f"{r.updated_at:%Y-%m-%d}" if r.updated_at and r.app_id else "",
                             "是" if r.studio_id in studios_done else ""] for r in rows],
                           caption=f"{year} 年度 · 未提交 {len(rows)} 个", object_type="board", object_id=str(year))
    return export.xlsx(f"{year}年逾期未审.xlsx", f"{year}年逾期未审", OVERDUE_HEADER,
                       [[o.unit, o.studio, f"第 {o.step} 步 {STEP_NAMES[o.role]}", "、".join(o.reviewers),
                         f"{o.since:%Y-%m-%d}", o.waiting, "是" if o.step_id in steps_done else ""] for o in late],
                       caption=f"{year} 年度 · 逾期 {len(late)} 项", object_type="board", object_id=str(year))
