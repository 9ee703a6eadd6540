"""The approval chain in chat: the reviewers' buttons, the opinion they type, 审批 / 进度 / 命名 / 重新开放.

A decision button (``review:approve:<step>:<version>`` …) opens an ``opinion`` frame; the reviewer's
next message is the opinion, and the approval chain's service decides (handlers/services/review.py),
so a stale card, or a step already decided in the console, changes nothing.
"""
from datetime import date

from sqlalchemy import select

from bot import files
from bot.actions import INT, TEXT, encode
from bot.conversation.flow import Flow
from bot.errors import UserError
from bot.forms.parsers import parse_date
from bot.router import START
from handlers import policy, studios
from handlers.application import document_tasks, proofs, seven_record
from handlers.application.current import NO_APPLICATION, application_year, current_application, missed_application
from handlers.application.schema import application_form
from handlers.policy import Do, Forbidden
from handlers.review import deadline, marking
from handlers.review.prompts import prompt_message
from handlers.review.steps import NO_REVIEWER_NOTE, STEP_NAMES, names_left, pending_steps, status_text, steps_of
from handlers.services import documents, naming as naming_service, review as review_service
from storage import applications
from storage.models import Application, Person
from storage.statuses import AppStatus

OPINION = "opinion"
ASK = {"approve": "请输入审批意见（可选），或直接点「确认同意」。",
       "return": "请说明需要修改或补充的内容（写出字段名会标注给领衔人，例如「2024年经费来源请补充来源单位和金额」；"
                 "也可以只写要求，例如「经济效益证明材料须加盖单位财务章原件」）：",
       "reject": "请输入不同意的理由："}


class OpinionFlow(Flow):
    """After [同意] / [退回修改] / [不同意]: the next message is the opinion (取消 leaves the step pending);
    a 退回's opinion is followed by the fields to flag (handlers/review/marking.py), then [确认退回]."""
    name = OPINION
    actions = {"ok": (INT, INT), "tick": (INT, INT, TEXT), "blocks": (INT, INT), "block": (INT, INT, INT),
               "back": (INT, INT)}

    def claims(self, turn, frame, text, command):
        cmd, args = command
        return bool(args)                   # an opinion may begin with any word

    def on_message(self, turn, frame):
        text = turn.text
        if text in ("取消", "算了"):
            turn.stack.end(frame)
            turn.reply("已取消，这一步仍待您审批。")
            return True
        if not text:
            turn.reply("请输入意见文字。")
            return True
        data = frame.data
        if data["decision"] != "return":
            decide(turn, frame, text)
        elif data.get("opinion") is None:
            outcome = _checked(turn, frame, lambda: review_service.return_fields(
                turn.ctx, data["step"], data["version"], text))
            data["opinion"], data["fields"], data["view"] = text, outcome["fields"], None
            marking.ask(turn, frame, outcome["app"], first=True)
        else:
            marking.typed(turn, frame, _app_of(turn, frame), text)
        return True

    def on_action(self, turn, frame, action):
        data = frame.data
        if tuple(action.args[:2]) != (data["step"], data["version"]):
            raise UserError("这个按钮已失效。发送「审批」查看待办。")
        if action.verb == "ok":
            decide(turn, frame, data.get("opinion") or "")
            return
        if data["decision"] != "return" or data.get("opinion") is None:
            raise UserError("这个按钮已失效。发送「审批」查看待办。")
        app = _app_of(turn, frame)
        if action.verb == "tick":
            marking.tick(turn, frame, app, action.args[2])
        elif action.verb == "blocks":
            marking.show_blocks(turn, frame, app)
        elif action.verb == "block":
            marking.show_block(turn, frame, app, action.args[2])
        else:
            marking.back(turn, frame, app)

    def on_aside(self, turn, frame):
        data = frame.data
        if data["decision"] == "return" and data.get("opinion") is not None:
            try:
                _, app = review_service.step_to_decide(turn.ctx, data["step"], data["version"])
            except UserError:
                turn.stack.end(frame)       # decided meanwhile: what was in between stands, nothing to ask
                return
            marking.ask(turn, frame, app)
            return
        turn.reply(ASK[data["decision"]], _ok_button(data))

    def describe(self, frame):
        return f"审批意见（{review_service.DECISIONS[frame.data['decision']]}）待填写"


def _ok_button(data):
    return [("确认同意", encode(OPINION, "ok", data["step"], data["version"]))] if data["decision"] == "approve" else []


def _checked(turn, frame, call):
    """A service call for this frame's step; a step decided meanwhile ends the frame."""
    try:
        return call()
    except UserError as refused:
        if "已处理" in str(refused):
            turn.stack.end(frame)           # decided meanwhile (another reviewer, the console)
        raise


def _app_of(turn, frame):
    """The application of the frame's step, the step checked as still the reviewer's to decide."""
    data = frame.data
    _, app = _checked(turn, frame, lambda: review_service.step_to_decide(turn.ctx, data["step"], data["version"]))
    return app


def decide(turn, frame, opinion):
    data = frame.data
    fields = data.get("fields") if data["decision"] == "return" and data.get("opinion") is not None else None
    outcome = _checked(turn, frame, lambda: review_service.decide(
        turn.ctx, data["step"], data["version"], data["decision"], opinion, fields=fields))
    turn.stack.end(frame)
    say_decided(turn, outcome)


def say_decided(turn, outcome):
    app = outcome["app"]
    if outcome.what == "approved":
        turn.reply(f"已同意。{app.studio.name} {app.year} 年度申报已全部审批通过。")
    elif outcome.what == "moved":
        following = outcome["following"]
        turn.reply(f"已同意，已转第 {following.step} 步 {STEP_NAMES[following.role]}。")
        if not outcome["reviewers"]:
            turn.reply(NO_REVIEWER_NOTE.format(step=STEP_NAMES[following.role]))
    elif outcome.what == "returned":
        labels = outcome["labels"]
        marked = f"，并标注字段「{'、'.join(labels)}」" if labels else "，附上您的意见（未指明字段）"
        turn.reply(f"已退回给{app.studio.name}{marked}。重新提交后会回到您这一步。")
    else:
        turn.reply(f"已记录不同意意见，{app.studio.name} {app.year} 年度申报流程结束。"
                   "已告知领衔人、前几步的审批人和集团工会。如需重新开放，由集团工会发送「重新开放 工作室名称 理由」。")


# -- the prompt's buttons ------------------------------------------------------------------------

def on_review_button(turn, action):
    """review:<approve|return|reject|transfer>:<step>:<version>, review:to:<step>:<version>:<person>,
    review:doc:<app>, review:proofs:<app>."""
    verb = action.verb
    if verb == "doc":
        return show_document(turn, action.args[0])
    if verb == "proofs":
        return show_proofs(turn, action.args[0])
    step, app = review_service.step_to_decide(turn.ctx, action.args[0], action.args[1],
                                              verb if verb in review_service.DECISIONS else None)
    if verb == "to":
        outcome = review_service.transfer(turn.ctx, step.id, step.version, action.args[2])
        turn.reply(f"已转交给 {outcome['to'].name}。")
        return
    if verb == "transfer":
        colleagues = review_service.colleagues_for_transfer(turn.ctx, step, app)
        if not colleagues:
            raise UserError(f"没有其他{STEP_NAMES[step.role]}的同事可以转交。")
        turn.reply("转交给哪位同事？", [(p.name, encode("review", "to", step.id, step.version, p.id))
                                    for p in colleagues[:6]])
        return
    data = {"step": step.id, "version": step.version, "decision": verb}
    frame = turn.stack.begin(OPINION, data, f"{step.id}")
    frame.data.update(data)
    turn.reply(ASK[verb], _ok_button(data))


REVIEW_VERBS = {"approve": (INT, INT), "return": (INT, INT), "reject": (INT, INT), "transfer": (INT, INT),
                "to": (INT, INT, INT), "doc": (INT,), "proofs": (INT,)}


def readable_application(turn, app_id, refusal="您无权查看这份申报表。"):
    """The application a button names, when this person may read it."""
    app = turn.session.get(Application, app_id)
    if app is None:
        raise UserError("这份申报表已不存在。")
    if not policy.may_read_application(turn.actor, app, steps_of(turn.session, app)):
        raise Forbidden(refusal)
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
    outcome = documents.application(turn.ctx, turn.bot, app, asker={"channel": turn.incoming.channel,
                                                                     "user": turn.incoming.user},
                                    text="申报表：", dedupe_key=f"doc:{turn.key}")
    if outcome["file"] is not None:
        turn.reply(f"申报表：{outcome['file'].name}", file=files.as_outgoing_file(turn.bot, outcome["file"]))
    else:
        turn.reply(document_tasks.PREPARING.format(what="申报审批表"))


# -- commands -------------------------------------------------------------------------------------

def my_pending(turn, args):
    """审批: the steps waiting for this reviewer."""
    rows = [(s, a) for s, a in pending_steps(turn.session) if policy.may_decide(turn.actor, a, s)]
    if not rows:
        turn.reply("目前没有待您审批的申报。")
        return
    turn.reply(f"待您审批 {len(rows)} 份：")
    for step, app in rows[:10]:
        message = prompt_message(turn.session, app, step, turn.config)
        turn.reply(message.text, message.buttons, title=message.title)


def progress(turn, args):
    """进度 outside the form: where the application is, and what else is open."""
    app = current_application(turn)
    others = turn.stack.describe() if turn.stack else []
    tail = ("\n未完成的事项：" + "；".join(others) + "。") if others else ""
    if app is None:
        missed = missed_application(turn)
        late = deadline.overdue_text(turn.session, turn.config, missed, turn.clock.now()) if missed else ""
        if late:
            turn.reply(f"{missed.year} 年度申报表没有在截止前提交，⚠ {late}，现在不能再提交；如有特殊情况，"
                       f"请所在单位工会联系集团工会准予延期。\n{NO_APPLICATION}{tail}")
            return
        turn.reply(NO_APPLICATION + tail)
        return
    if app.status in (AppStatus.DRAFT, AppStatus.WITHDRAWN):
        form = application_form(app.year)
        answers = applications.load_answers(turn.session, app.id)
        missing = form.missing(answers, set((app.flags or {}).get("skipped", [])))
        late = deadline.overdue_text(turn.session, turn.config, app, turn.clock.now())
        turn.reply(f"{app.year} 年度申报表填写中：已填 {len(form.asked) - len(missing)}/{len(form.asked)} 项。"
                   + (f"\n⚠ {late}" if late else "") + tail, [("继续填写", "申报")])
        return
    lines = [f"{app.studio.name} {app.year} 年度申报：{status_text(turn.session, app)}"]
    late = deadline.overdue_text(turn.session, turn.config, app, turn.clock.now())
    if late:
        lines.append(f"⚠ {late}")
    marks = {"waiting": "○", "pending": "…", "approved": "✓", "returned": "↩", "rejected": "✗"}
    for step in steps_of(turn.session, app):
        who = turn.session.get(Person, step.decided_by).name if step.decided_by else ""
        opinion = f"（{who}：{step.opinion}）" if step.opinion else ""
        lines.append(f"{marks.get(step.status, '?')} 第 {step.step} 步 {STEP_NAMES[step.role]}{opinion}")
    turn.reply("\n".join(lines) + tail)


def reopen(turn, args):
    """重新开放 工作室名称 理由: only the group union reopens a rejected application of this year."""
    name, _, reason = args.strip().partition(" ")
    if not name:
        raise UserError("用法：重新开放 工作室名称 理由，例如「重新开放 王海隧道掘进劳模创新工作室 复核后场所已达标」。")
    year = application_year(turn.config, turn.clock.today())
    studio = studios.find(turn.session, turn.actor, name)
    app = turn.session.scalar(select(Application).where(Application.studio_id == studio.id, Application.year == year))
    if app is None:
        raise UserError(f"没有「{studio.name}」{year} 年度的申报。")
    outcome = review_service.reopen(turn.ctx, app, reason.strip())
    turn.reply(f"已重新开放「{studio.name}」{year} 年度申报（理由：{outcome['reason']}）。"
               f"领衔人再次提交后，从第 1 步 {outcome['first']}重新审批。")


def _quota_line(session, config, year):
    named, left = names_left(session, config, year)
    return f"{year} 年度命名名额 {config.naming_quota} 个，已命名 {named} 个，剩余 {left} 个。"


def naming(turn, args):
    """命名 [工作室名] [日期]: the group union names an approved studio (the naming service decides)."""
    session = turn.session
    approved = session.scalars(select(Application).where(Application.status == AppStatus.APPROVED)
                               .order_by(Application.id)).all()
    parts = args.split()
    if not parts:
        policy.require(turn.actor, Do.NAME, "命名")
        if not approved:
            turn.reply("目前没有审批通过、待命名的申报。")
            return
        years = sorted({a.year for a in approved})
        quota = "\n".join(_quota_line(session, turn.config, y) for y in years)
        listing = "\n".join(f"{n}. {a.studio.name}（{a.year} 年）" for n, a in enumerate(approved, 1))
        turn.reply(f"审批通过、待命名的工作室：\n{listing}\n{quota}\n请选择（也可以发送「命名 工作室名称 日期」）：",
                   [(a.studio.name[:20], f"命名 {a.studio.name}") for a in approved[:6]])
        return
    studio = studios.find(turn.session, turn.actor, parts[0])
    app = next((a for a in approved if a.studio_id == studio.id), None) or session.scalar(
        select(Application).where(Application.studio_id == studio.id).order_by(Application.year.desc()).limit(1))
    if app is None:
        raise UserError(f"没有找到审批通过、待命名的「{studio.name}」。发送「命名」查看列表。")
    named_on = None
    if len(parts) > 1:
        text = parse_date(" ".join(parts[1:]), today=turn.clock.today(), allow_future=False)
        named_on = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    outcome = naming_service.name(turn.ctx, app, named_on)
    grant = f"经费台账已记入一次性经费支持 {outcome['grant']} 万元" if outcome["grant_before"] is None else \
        f"一次性经费支持已于 {outcome['grant_before'].entry_date:%Y%m%d} 记入，不重复记入"
    turn.reply(f"已命名「{studio.name}」（{outcome['named_on']:%Y%m%d}），{grant}。"
               f"{app.year} 年度命名名额还剩 {outcome['left']} 个（共 {outcome['quota']} 个）。")


def register(router):
    router.add_action("review", on_review_button, REVIEW_VERBS, do=Do.READ_APPLICATION)
    router.add_flow(OpinionFlow(), do=Do.REVIEW)
    router.add_command("review", my_pending, do=Do.REVIEW, help="查看待我审批的申报")
    router.add_command("progress", progress, do=Do.APPLY, help="查看申报填写和审批进度")
    router.add_command("naming", naming, do=Do.NAME, kind=START, help="为审批通过的工作室命名")
    router.add_command("reopen", reopen, do=Do.REOPEN, help="重新开放未通过的本年度申报：重新开放 工作室名称 理由")

