"""The approval chain: submission, the four reviewers' decisions in the messenger, 催办, naming.

An application goes 所在单位工会 → 所在单位技术部门 → 所在单位党委 → 集团工会联合会. Each step's
reviewers get a prompt with buttons; a decision needs the step to be pending and the button's
version to match, so a stale card changes nothing. Every action is in ``review_log``.
"""
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bot import files
from bot.errors import UserError
from bot.forms.parsers import format_wan, parse_date
from bot.message import Button
from handlers.application import document_tasks, proofs, seven_record
from handlers.application.current import application_or_refuse, application_year, current_application
from handlers.application.schema import application_form
from handlers.notices import run as notices
from handlers.review.prompts import prompt_message, prompt_reviewers, tell_applicant
from handlers.review.steps import (DECISIONS, NO_REVIEWER_NOTE, RETURN_TODO, STATUS, STEP_NAMES, STEPS, log_action,
                                   make_pending, may_decide, names_left, naming_window, pending_steps, rejected_text,
                                   role_holders, status_text, steps_of)
from storage import applications, clock, ledgers
from storage.models import Application, Person, ReviewStep, Studio

# -- who reviews --------------------------------------------------------------------------


# -- submission ---------------------------------------------------------------------------

def submit(turn, app, walker):
    """The applicant confirmed 提交: start the chain, or resume it at the step that returned it.

    The steps are created once and never deleted (撤回 and 重新开放 set them back to waiting), so
    every round's step versions are new and each round's prompt reaches its reviewer."""
    session = turn.session
    if app.status == "rejected":
        raise UserError(rejected_text(session, app))
    steps = steps_of(session, app)
    if not steps:
        steps = [ReviewStep(application_id=app.id, step=n, role=role, status="waiting", opinion="",
                            reminders=0, version=0) for n, role in STEPS]
        session.add_all(steps)
        session.flush()
    current = next((s for s in steps if s.status in ("returned", "pending")), None)
    action = "resubmit" if current is not None and current.status == "returned" else "submit"
    current = current or steps[0]
    app.status = "submitted"
    app.submitted_at = clock.utcnow()
    applications.set_flag(app, "revise", [])
    make_pending(session, current)
    log_action(session, app, turn.person, action, current.step)
    turn.state.pop("flow", None)
    turn.state.pop("form", None)
    verb = "已重新提交" if action == "resubmit" else "已提交"
    turn.reply(f"{verb} {app.year} 年度申报表，现由第 {current.step} 步 {STEP_NAMES[current.role]}审批。"
               "每一步有结果都会通知您；审批开始前可以说「撤回」。")
    if not prompt_reviewers(session, app, current):
        turn.reply(NO_REVIEWER_NOTE.format(step=STEP_NAMES[current.role]))


def _reset_steps(steps):
    """Every step back to waiting; versions go on growing, so old cards and prompt keys stay stale."""
    for step in steps:
        step.status, step.assignee_id, step.reminders = "waiting", None, 0
        step.decided_by, step.decided_at, step.opinion, step.pending_since = None, None, "", None
        step.version += 1


# -- decisions --------------------------------------------------------------------------------

def _step_for_action(turn, ref):
    """The step a button names, checked: still pending, same version, and this person may decide."""
    try:
        step_id, version = (int(x) for x in ref.split(":"))
    except ValueError:
        raise UserError("这个按钮已失效。发送「审批」查看待办。") from None
    step = turn.session.get(ReviewStep, step_id)
    if step is None:
        raise UserError("这条审批已不存在。发送「审批」查看待办。")
    app = turn.session.get(Application, step.application_id)
    if step.status != "pending" or step.version != version:
        done = STATUS.get(app.status, app.status) if step.status == "pending" else \
            {"approved": "已同意", "returned": "已退回修改", "rejected": "未通过", "waiting": "尚未开始"}.get(step.status, step.status)
        raise UserError(f"这一步已处理（{done}），无需重复操作。发送「审批」查看待办。")
    if not may_decide(turn.session, turn.person, app, step):
        if turn.person is not None and turn.person.studio_id == app.studio_id:
            raise UserError("不能审批本工作室的申报。")
        raise UserError(f"您不是这一步（{STEP_NAMES[step.role]}）的审批人，无权操作。")
    return step, app


def on_action(turn, rest):
    """Button presses: review:<approve|return|reject|transfer>:<step>:<version>, review:doc:<app>."""
    kind, _, ref = rest.partition(":")
    if kind == "doc":
        return show_document(turn, ref)
    if kind == "proofs":
        return show_proofs(turn, ref)
    if kind == "to":
        return transfer_to(turn, ref)
    if kind not in DECISIONS and kind != "transfer":
        raise UserError("这个按钮已失效。")
    step, app = _step_for_action(turn, ref)
    if kind == "transfer":
        return offer_transfer(turn, step, app)
    turn.state["flow"] = "review"
    turn.state["review"] = {"step": step.id, "version": step.version, "decision": kind}
    if kind == "approve":
        turn.reply("请输入审批意见（可选），或直接点「确认同意」。", [("确认同意", "review_ok:")])
    elif kind == "return":
        turn.reply("请说明需要修改或补充的内容（写出字段名会标注给领衔人，例如「2024年经费来源请补充来源单位和金额」；"
                   "也可以只写要求，例如「经济效益证明材料须加盖单位财务章原件」）：")
    else:
        turn.reply("请输入不同意的理由：")


def on_confirm_approve(turn, rest):
    pending = turn.state.get("review")
    if not pending:
        raise UserError("这个按钮已失效。发送「审批」查看待办。")
    decide(turn, pending, "同意")


def review_flow(turn):
    """A reviewer's next message after pressing a decision button is the opinion."""
    pending = turn.state.get("review")
    text = turn.text
    if not pending:
        turn.state.pop("flow", None)
        return False
    if text in ("取消", "算了"):
        turn.state.pop("flow", None)
        turn.state.pop("review", None)
        turn.reply("已取消，这一步仍待您审批。")
        return True
    if not text:
        turn.reply("请输入意见文字。")
        return True
    step = turn.session.get(ReviewStep, pending["step"])
    if step is None or step.status != "pending" or step.version != pending["version"]:
        turn.state.pop("flow", None)
        turn.state.pop("review", None)
        turn.reply("这一步已由他人处理，无需重复操作。发送「审批」查看待办。")
        return True
    decide(turn, pending, text)
    return True


def decide(turn, pending, opinion):
    session = turn.session
    step, app = _step_for_action(turn, f"{pending['step']}:{pending['version']}")
    kind = pending["decision"]
    revise = []
    if kind == "return":
        revise = fields_named(app, opinion)
        if not revise and len(re.sub(r"\s", "", opinion)) < 4:
            turn.reply("请写明需要修改或补充的内容，例如「2024年经费来源请补充来源单位和金额」"
                       "或「经济效益证明材料须加盖单位财务章原件」。")
            return
    turn.state.pop("flow", None)
    turn.state.pop("review", None)
    step.status = {"approve": "approved", "return": "returned", "reject": "rejected"}[kind]
    step.decided_by, step.decided_at, step.opinion = turn.person.id, clock.utcnow(), opinion
    step.version += 1
    log_action(session, app, turn.person, kind, step.step, opinion)
    name = STEP_NAMES[step.role]
    if kind == "approve":
        following = session.scalar(select(ReviewStep).where(ReviewStep.application_id == app.id,
                                                             ReviewStep.step == step.step + 1))
        if following is None:
            app.status = "approved"
            turn.reply(f"已同意。{app.studio.name} {app.year} 年度申报已全部审批通过。")
            tell_applicant(session, app, f"您的 {app.year} 年度申报已通过全部审批（{name}：{opinion}）。等待命名。",
                            key=f"result:{step.id}:{step.version}")
            return
        make_pending(session, following)
        turn.reply(f"已同意，已转第 {following.step} 步 {STEP_NAMES[following.role]}。")
        tell_applicant(session, app, f"第 {step.step} 步 {name}已同意（{turn.person.name}：{opinion}）。"
                                      f"现由第 {following.step} 步 {STEP_NAMES[following.role]}审批。",
                        key=f"result:{step.id}:{step.version}")
        if not prompt_reviewers(session, app, following):
            turn.reply(NO_REVIEWER_NOTE.format(step=STEP_NAMES[following.role]))
    elif kind == "return":
        app.status = "returned"
        labels = [application_form(app.year).by_key[k].qualified for k in revise]
        applications.set_flag(app, "revise", revise)
        applications.set_flag(app, "revise_comment", opinion)
        marked = f"，并标注字段「{'、'.join(labels)}」" if labels else "，附上您的意见（未指明字段）"
        turn.reply(f"已退回给{app.studio.name}{marked}。重新提交后会回到您这一步。")
        todo = f"需修改：{'、'.join(labels)}。" if labels else RETURN_TODO
        tell_applicant(session, app, f"您的 {app.year} 年度申报被 {name}退回修改。\n意见：{opinion}\n"
                                      f"{todo}改好后请再次「提交」。",
                        [Button("修改申报表", "申报")], key=f"result:{step.id}:{step.version}")
    else:
        app.status = "rejected"
        turn.reply(f"已记录不同意意见，{app.studio.name} {app.year} 年度申报流程结束。"
                   "如需重新开放，由集团工会发送「重新开放 工作室名称 理由」。")
        tell_applicant(session, app, f"很遗憾，您的 {app.year} 年度申报未通过 {name}审批。\n意见：{opinion}\n"
                                      "本年度申报流程已结束；如有异议，请联系集团工会联合会办公室。",
                        key=f"result:{step.id}:{step.version}")


def fields_named(app, text):
    """Field keys an opinion mentions: qualified labels, labels, or a block (with its year)."""
    form = application_form(app.year)
    found = []
    compact = re.sub(r"\s", "", text)
    for item in form.asked:
        names = {item.qualified, *item.aliases}
        if len(form.lookup(item.label)) == 1:
            names.add(item.label)
        if any(len(n) >= 2 and n in compact for n in names):
            found.append(item.key)
    for item in form.asked:
        base, _, year = item.block.partition("（")
        year = year.rstrip("）").rstrip("年")
        if base and base in compact and item.key not in found:
            if not year or year in compact:
                if not any(k for k in found if form.by_key[k].block == item.block):
                    found.append(item.key)
    return found


# -- transfer, document, listing ---------------------------------------------------------------

def offer_transfer(turn, step, app):
    colleagues = [p for p in role_holders(turn.session, step.role, app.studio.unit_id)
                  if p.id != turn.person.id and p.studio_id != app.studio_id]
    if not colleagues:
        raise UserError(f"没有其他{STEP_NAMES[step.role]}的同事可以转交。")
    turn.reply("转交给哪位同事？", [(p.name, f"review:to:{step.id}:{step.version}:{p.id}") for p in colleagues[:6]])


def transfer_to(turn, ref):
    *step_ref, person_id = ref.split(":")
    step, app = _step_for_action(turn, ":".join(step_ref))
    colleague = turn.session.get(Person, int(person_id))
    if colleague is None or step.role not in colleague.role_names or \
            (step.role != "group" and colleague.unit_id != app.studio.unit_id):
        raise UserError("只能转交给同一角色、同一单位的同事。")
    step.assignee_id = colleague.id
    step.version += 1
    step.pending_since = clock.utcnow()
    log_action(turn.session, app, turn.person, "transfer", step.step, f"转交给 {colleague.name}")
    turn.reply(f"已转交给 {colleague.name}。")
    prompt_reviewers(turn.session, app, step)


def readable_application(turn, app_id, refusal="您无权查看这份申报表。"):
    """The application a button names, when this person may read it: a reviewer of one of its
    steps (now or before), the studio's people, the group union."""
    app = turn.session.get(Application, int(app_id)) if app_id.isdigit() else None
    if app is None:
        raise UserError("这份申报表已不存在。")
    person = turn.person
    may_read = person is not None and (
        any(may_decide(turn.session, person, app, s) or s.decided_by == person.id
            for s in steps_of(turn.session, app))
        or person.studio_id == app.studio_id or "group" in turn.roles)
    if not may_read:
        raise UserError(refusal)
    return app


MAX_PROOF_FILES = 30      # files sent in one 查看证明 answer; the rest are in 导出材料包


def show_proofs(turn, app_id):
    """查看证明: the list of proofs by item, then the files themselves."""
    app = readable_application(turn, app_id, "您无权查看这份申报表的证明材料。")
    turn.reply(f"{app.studio.name}\n" + proofs.listing(turn.session, app, how_to=False))
    rows = proofs.proofs_of(turn.session, app.id)
    form = application_form(app.year)
    for n, (att, stored) in enumerate(rows[:MAX_PROOF_FILES], 1):
        item = form.by_key.get(att.field_key)
        label = item.qualified if item is not None else seven_record.key_label(att.field_key) or "其他"
        if stored.path:
            turn.reply(f"{n}. {label}：{stored.name}", file=files.as_outgoing_file(turn.bot, stored))
        else:
            turn.reply(f"{n}. {label}：{stored.name}（文件尚在接收中，请稍后再查看）")
    if len(rows) > MAX_PROOF_FILES:
        turn.reply(f"另有 {len(rows) - MAX_PROOF_FILES} 份未逐一发送，请领衔人「导出材料包」后查看完整的证明材料。")


def show_document(turn, app_id):
    app = readable_application(turn, app_id)
    document_tasks.send_application(turn.bot, turn.session, app, [], text="申报表：",
                                    dedupe_key=f"doc:{turn.key}", reply_to=turn)


def my_pending(turn, args):
    """审批: the steps waiting for this reviewer."""
    rows = [(s, a) for s, a in pending_steps(turn.session) if may_decide(turn.session, turn.person, a, s)]
    if not rows:
        turn.reply("目前没有待您审批的申报。")
        return
    turn.reply(f"待您审批 {len(rows)} 份：")
    for step, app in rows[:10]:
        message = prompt_message(turn.session, app, step, turn.config)
        turn.reply(message.text, message.buttons, title=message.title)


def progress(turn, args):
    """进度 outside the form: where the application is."""
    app = application_or_refuse(turn)
    if app.status in ("draft", "withdrawn"):
        form = application_form(app.year)
        answers = applications.load_answers(turn.session, app.id)
        missing = form.missing(answers, set((app.flags or {}).get("skipped", [])))
        turn.reply(f"{app.year} 年度申报表填写中：已填 {len(form.asked) - len(missing)}/{len(form.asked)} 项。",
                   [("继续填写", "申报")])
        return
    lines = [f"{app.studio.name} {app.year} 年度申报：{status_text(turn.session, app)}"]
    marks = {"waiting": "○", "pending": "…", "approved": "✓", "returned": "↩", "rejected": "✗"}
    for step in steps_of(turn.session, app):
        who = turn.session.get(Person, step.decided_by).name if step.decided_by else ""
        opinion = f"（{who}：{step.opinion}）" if step.opinion else ""
        lines.append(f"{marks.get(step.status, '?')} 第 {step.step} 步 {STEP_NAMES[step.role]}{opinion}")
    turn.reply("\n".join(lines))


def withdraw(turn, args):
    app = current_application(turn)
    if app is None or app.status != "submitted":
        raise UserError("没有可以撤回的申报（只有已提交、尚未审批的申报可以撤回）。")
    steps = steps_of(turn.session, app)
    if any(s.decided_at for s in steps):
        raise UserError("审批已经开始，不能撤回。如需修改，请联系审批人退回。")
    _reset_steps(steps)
    app.status = "withdrawn"
    log_action(turn.session, app, turn.person, "withdraw")
    turn.reply("已撤回申报，可以继续修改后再「提交」。", [("继续填写", "申报")])


def reopen(turn, args):
    """重新开放 工作室名称 理由: only the group union reopens a rejected application of this year."""
    session = turn.session
    name, _, reason = args.strip().partition(" ")
    reason = reason.strip()
    if not name:
        raise UserError("用法：重新开放 工作室名称 理由，例如「重新开放 王海隧道掘进劳模创新工作室 复核后场所已达标」。")
    year = application_year(turn.config)
    app = session.scalar(select(Application).join(Studio).where(Studio.name == name, Application.year == year))
    if app is None or app.status != "rejected":
        raise UserError(f"没有未通过的「{name}」{year} 年度申报，无需重新开放。")
    if not reason:
        raise UserError("请写明理由（会记入审批记录并告知领衔人），例如「重新开放 工作室名称 复核后场所已达标」。")
    steps = steps_of(session, app)
    _reset_steps(steps)
    app.status = "draft"
    log_action(session, app, turn.person, "reopen", None, reason)
    first = STEP_NAMES[STEPS[0][1]]
    turn.reply(f"已重新开放「{name}」{year} 年度申报（理由：{reason}）。领衔人再次提交后，从第 1 步 {first}重新审批。")
    tell_applicant(session, app, f"集团工会联合会已重新开放您的 {year} 年度申报（理由：{reason}）。"
                                  f"请发送「申报」修改后再次提交，将从第 1 步 {first}重新审批。",
                    [Button("修改申报表", "申报")], key=f"reopen:{app.id}:{steps[0].version if steps else 0}")


def submit_outside(turn, args):
    """提交 outside the form: say where the application is and what to do."""
    app = current_application(turn)
    if app is None:
        turn.reply("还没有申报表。发送「申报」开始填写。", [("申报", "申报")])
    elif app.status == "rejected":
        turn.reply(rejected_text(turn.session, app))
    elif app.status in ("draft", "withdrawn", "returned"):
        turn.reply("请先发送「申报」打开申报表，核对后再说「提交」。", [("继续填写", "申报")])
    else:
        turn.reply(f"{app.year} 年度申报已提交，当前：{status_text(turn.session, app)}。")


# -- 催办 -------------------------------------------------------------------------------------


# -- naming ------------------------------------------------------------------------------------


def _quota_line(session, config, year):
    named, left = names_left(session, config, year)
    return f"{year} 年度命名名额 {config.naming_quota} 个，已命名 {named} 个，剩余 {left} 个。"


def naming(turn, args):
    """命名 [工作室名] [日期]: the group union names an approved studio, within the year's quota,
    in the second half of the application's year."""
    session = turn.session
    approved = session.scalars(select(Application).where(Application.status == "approved")
                               .order_by(Application.id)).all()
    parts = args.split()
    if not parts:
        if not approved:
            turn.reply("目前没有审批通过、待命名的申报。")
            return
        years = sorted({a.year for a in approved})
        quota = "\n".join(_quota_line(session, turn.config, y) for y in years)
        listing = "\n".join(f"{n}. {a.studio.name}（{a.year} 年）" for n, a in enumerate(approved, 1))
        turn.reply(f"审批通过、待命名的工作室：\n{listing}\n{quota}\n请选择（也可以发送「命名 工作室名称 日期」）：",
                   [(a.studio.name[:20], f"命名 {a.studio.name}") for a in approved[:6]])
        return
    name = parts[0]
    app = next((a for a in approved if a.studio.name == name), None)
    if app is None:
        raise UserError(f"没有找到审批通过、待命名的「{name}」。发送「命名」查看列表。")
    named_on = clock.today()
    if len(parts) > 1:
        text = parse_date(" ".join(parts[1:]), allow_future=False)
        named_on = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    first, last = naming_window(turn.config, app.year)
    if not first <= named_on <= last:
        raise UserError(f"不能在 {named_on:%Y%m%d} 命名：{app.year} 年度申报在 5 月底截止、6 至 8 月考核验收，"
                        f"下半年适时命名，命名日期应在 {first:%Y%m%d} 至 {last:%Y%m%d} 之间。")
    named, left = names_left(session, turn.config, app.year)
    if left <= 0:
        raise UserError(f"{app.year} 年度命名名额（{turn.config.naming_quota} 个）已用完，已命名 {named} 个，"
                        "不能再命名。")
    studio = app.studio
    app.status, studio.status, studio.named_on = "named", "named", named_on
    log_action(session, app, turn.person, "name", None, named_on.strftime("%Y%m%d"))
    grant = turn.config.grant_wan
    ledgers.record_grant(session, studio.id, format_wan(Decimal(str(grant))), named_on, turn.person.id,
                         unit=turn.config.union_name)
    turn.reply(f"已命名「{studio.name}」（{named_on:%Y%m%d}），经费台账已记入一次性经费支持 {grant} 万元。"
               f"{app.year} 年度命名名额还剩 {left - 1} 个（共 {turn.config.naming_quota} 个）。")
    # the announcement congratulates the studio's leader and tells the groups, once per (studio, date)
    notices.announce_naming(session, turn.config, [studio], named_on)


# -- documents -----------------------------------------------------------------------------------


def register(router):
    # buttons of reviewers' prompts; 查看申报表 also for the studio's own people (checked per application)
    router.add_action("review", on_action, roles=["union", "tech", "party", "group", "leader", "member"])
    router.add_action("review_ok", on_confirm_approve, roles=["union", "tech", "party", "group"])
    router.add_flow("review", review_flow)
    router.add_command("审批", my_pending, roles=["union", "tech", "party", "group"], help="查看待我审批的申报",
                       preempt=True)
    router.add_command(("进度", "申报进度"), progress, roles=["leader", "member"], help="查看申报填写和审批进度")
    router.add_command("撤回", withdraw, roles=["leader", "member"], help="在审批开始前撤回申报")
    router.add_command("命名", naming, roles=["group"], help="为审批通过的工作室命名", preempt=True)
    router.add_command("重新开放", reopen, roles=["group"], help="重新开放未通过的本年度申报：重新开放 工作室名称 理由",
                       preempt=True)
    router.add_command("提交", submit_outside, roles=["leader", "member"])
