"""What reviewers and applicants are sent: the prompt with its summary and buttons, a missing reviewer, 催办."""

from sqlalchemy import select

from bot.actions import encode
from bot.message import Button, Outgoing
from bot.workdays import workdays_between
from handlers.application import document_tasks, proofs, seven, seven_record
from handlers.application.schema import application_form
from handlers.review import deadline
from handlers.review.steps import STEP_NAMES, log_system, pending_steps, reviewers_for, role_holders
from storage import applications, audit, clock, tasks as task_rows
from storage.models import ROLES, Application, Person, ReviewStep
from storage.outbox import push_to_person


def summary_text(session, app, config):
    form = application_form(app.year)
    values = form.complete_values(applications.load_answers(session, app.id))
    haves = seven_record.check(session, app, values, config)
    patents = sum(int(values.get(k) or 0) for k in ("innovation.utility", "innovation.invention"))
    high = sum(int(values.get(k) or 0) for k in ("innovation.award_provincial", "innovation.award_national",
                                                  "innovation.award_intl"))
    benefit = sum(float(values.get(f"benefit.{y}.total") or 0) for y in ("y1", "y2"))
    late = deadline.overdue_text(session, config, app, clock.of(session).now())
    return ((f"⚠ {late}\n" if late else "")
            + f"领衔人：{values.get('leader.name', '')} · 成员 {values.get('basics.members', '?')} 人 · "
            f"场所 {values.get('basics.area', '?')}㎡ · {seven.summary(haves)}"
            + f"\n近两年：专利 {patents} 项（发明 {values.get('innovation.invention', 0)}），"
              f"省部级及以上奖 {high} 项，经济效益 {benefit:g} 万元"
            + "\n" + seven.report(haves, reviewer=True))     # each have with its reason; no leader's hints


def changes_since_return(session, app):
    """After a 退回 and the resubmission: what the leader changed meanwhile (the audit trail's answer.set
    and proof rows since the last review.return), as lines; None when the application was not returned."""
    log = audit.review_log(session, app.id)
    returned = next((row for row in reversed(log) if row.action == "review.return"), None)
    if returned is None:
        return None
    resubmitted = next((row for row in log if row.id > returned.id and row.action == "review.resubmit"), None)
    until = resubmitted.id if resubmitted is not None else None
    form = application_form(app.year)
    first, last = {}, {}
    for row in audit.answer_history(session, app.id):
        if row.id > returned.id and (until is None or row.id < until):
            first.setdefault(row.key, row.before)
            last[row.key] = row.after
    lines = []
    for item in form.asked:
        if item.key in last and first[item.key] != last[item.key]:
            lines.append(f"{item.qualified}：{item.display(first[item.key])} → {item.display(last[item.key])}")
    proof_rows = [row for row in audit.object_history(session, "application", app.id)
                  if row.id > returned.id and (until is None or row.id < until) and row.action.startswith("proof.")]
    verbs = {"proof.add": "补充证明", "proof.replace": "替换证明", "proof.delete": "删除证明"}
    for row in proof_rows:
        item = form.by_key.get(row.key)
        label = item.qualified if item is not None else "其他证明材料"
        lines.append(f"{verbs.get(row.action, '证明')}：{label}（{row.detail}）")
    return lines


def _changes_text(session, app):
    lines = changes_since_return(session, app)
    if lines is None:
        return ""
    if not lines:
        return "\n退回后重新提交，没有修改任何内容。"
    shown = lines[:12] + ([f"……等 {len(lines)} 处"] if len(lines) > 12 else [])
    return f"\n退回后修改了 {len(lines)} 处：\n" + "\n".join(f"· {line}" for line in shown)


def prompt_message(session, app, step, config):
    title = f"【待审批】{app.studio.name} {app.year} 年申报（第 {step.step} 步：{STEP_NAMES[step.role]}）"
    ref = (step.id, step.version)
    text = (f"{title}\n{summary_text(session, app, config)}\n{proofs.summary_line(session, app)}"
            + _changes_text(session, app))
    wait = deadline.final_opinion_refusal(config, app, step, "approve", clock.of(session).today())
    if wait:
        text += f"\n注意：{wait}"
    return Outgoing(text=text, title=title, buttons=[
        Button("同意", encode("review", "approve", *ref)), Button("退回修改", encode("review", "return", *ref)),
        Button("不同意", encode("review", "reject", *ref)), Button("查看申报表", encode("review", "doc", app.id)),
        Button("查看证明", encode("review", "proofs", app.id)), Button("转交同事", encode("review", "transfer", *ref))])


def prompt_reviewers(session, app, step):
    """Queue the step's prompt for the worker (``review_prompt``) and return the reviewers it will
    reach; none means the missing-reviewer report goes out instead.

    Composing it (the summary, the 七有, the proofs) and finding every account to push to is most
    of a 确认提交 or 同意 turn's statements; the person who pressed needs none of it to be answered."""
    reviewers = reviewers_for(session, app, step)
    task_rows.add(session, "review_prompt", {"step": step.id, "version": step.version},
                  dedupe_key=f"review_prompt:{step.id}:{step.version}")
    return reviewers


def run_review_prompt(bot, payload):
    """The ``review_prompt`` task: the prompt goes out when the worker commits, unless the step has
    moved on meanwhile (withdrawn, decided, transferred: a newer version has its own prompt)."""
    def finish(session):
        step = session.get(ReviewStep, payload["step"])
        if step is None or step.version != payload["version"] or step.status != "pending":
            return
        _send_prompt(bot, session, session.get(Application, step.application_id), step)
    return finish


def register(kinds):
    kinds.add("review_prompt", run_review_prompt)


def _send_prompt(bot, session, app, step):
    """The step's prompt (summary, 七有, the DOCX, buttons) to each of its reviewers."""
    message = prompt_message(session, app, step, bot.config)
    reviewers = reviewers_for(session, app, step)
    for person in reviewers:
        key = f"review:{step.id}:{step.version}:{person.id}"
        push_to_person(session, person, message, dedupe_key=key, notice="review_prompt")
    if reviewers:
        document_tasks.send_application(
            bot, session, app, [{"person_id": p.id, "notice": "review_prompt"} for p in reviewers],
            text="申报表：", dedupe_key=f"review:{step.id}:{step.version}:doc")
    else:
        log_system(session, app, "no_reviewer", step.step)
        _report_missing_reviewer(session, app, step)


def _report_missing_reviewer(session, app, step):
    """Nobody can decide ``step``: tell the unit union, the group union and the admins at once."""
    unit = app.studio.unit.name if app.studio.unit else "（未设置单位）"
    where = f"{unit}的{STEP_NAMES[step.role]}" if step.role != "group" else STEP_NAMES[step.role]
    text = (f"【缺少审批人】{app.studio.name} {app.year} 年申报已到第 {step.step} 步 {STEP_NAMES[step.role]}，"
            f"但{where}还没有绑定任何审批人员，申报无法继续。请管理员为{where}绑定人员并分配"
            f"「{ROLES[step.role]}」角色；绑定后发送「审批」即可处理。")
    people = {p.id: p for role in ("union", "group", "admin")
              for p in role_holders(session, role, app.studio.unit_id if role == "union" else None)}
    for person in people.values():
        push_to_person(session, person, Outgoing(text=text),
                       dedupe_key=f"no_reviewer:{step.id}:{step.version}:{person.id}", notice="review_prompt")


def tell_applicant(session, app, text, buttons=(), key=None):
    """Tell the studio's leader and members; returns those reached on some messenger (People)."""
    people = session.scalars(select(Person).where(Person.studio_id == app.studio_id)).all()
    told = []
    for person in people:
        if {"leader", "member"} & person.role_names:
            if push_to_person(session, person, Outgoing(text=text, buttons=list(buttons)),
                              dedupe_key=f"{key}:{person.id}" if key else None, notice="review_result"):
                told.append(person)
    return told


def chase_overdue(bot, session, today=None):
    """Remind reviewers of steps pending more than N working days: the reviewer, then their
    colleagues with the same role, then the group union. Returns the number of reminders written."""
    today = today or bot.clock.today()
    limit = bot.config.remind_after_working_days
    written = 0
    for step, app in pending_steps(session):
        since = (step.pending_since or bot.clock.utcnow()).date()
        late = workdays_between(since, today)
        level = min(3, late // limit) if limit else 0
        if level <= step.reminders:
            continue
        if level == 1:
            people = reviewers_for(session, app, step)
        elif level == 2:
            people = [p for p in role_holders(session, step.role, app.studio.unit_id) if p.studio_id != app.studio_id]
        else:
            people = role_holders(session, "group")
        overdue = deadline.overdue_text(session, bot.config, app, bot.clock.now())
        text = (f"【催办】{app.studio.name} {app.year} 年申报在第 {step.step} 步 {STEP_NAMES[step.role]}"
                f"已等待 {late} 个工作日，请尽快处理。" + (f"\n⚠ {overdue}" if overdue else ""))
        message = Outgoing(text=text, buttons=prompt_message(session, app, step, bot.config).buttons)
        for person in people:
            written += push_to_person(session, person, message,
                                      dedupe_key=f"chase:{step.id}:{step.version}:{level}:{person.id}",
                                      notice="review_chase")
        step.reminders = level
        log_system(session, app, f"chase_{level}", step.step, f"已等待 {late} 个工作日")
    return written
