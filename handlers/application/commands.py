"""The application (附件1 申报审批表) in chat: 申报 / 继续 / 提交 / 撤回 / 七有 / 导出, its form host and store.

The form is a frame on the flow stack walked by the form walker (handlers/form_flow.py); what
changes records goes through the services (handlers/services/): 提交 and 撤回 through the
approval chain's, documents through the documents', proofs and 七有 through the application's.
"""
from bot import files
from bot.actions import INT
from bot.errors import UserError
from bot.forms.host import Host, Store
from handlers import form_flow as forms
from handlers.application import carry as application_carry, document_tasks, materials, proof_chat, proofs, seven
from handlers.application.current import (application_or_refuse, current_application, named_refusal, rename_studio,
                                          studio_of)
from handlers.application.schema import application_form
from handlers.ledgers import statistics
from handlers.policy import Do
from handlers.review.steps import NO_REVIEWER_NOTE, RETURN_TODO, STEP_NAMES, rejected_text, status_text
from handlers.services import applications as app_service, documents, review as review_service
from storage import applications
from storage.models import Application
from storage.statuses import EDITABLE, AppStatus
from bot.forms.position import act

STATISTICAL_BLOCKS = ("funding.", "innovation.", "benefit.", "talent.", "basics.named_")


class ApplicationStore(Store):
    """One application's answers and flags; the Application row itself is read only when needed."""

    def __init__(self, session, app_id, actor):
        self.session, self.app_id, self.actor = session, app_id, actor
        self._app = None
        self._head = None

    @property
    def app(self):
        if self._app is None:
            self._app = self.session.get(Application, self.app_id)
        return self._app

    def head(self):
        """(studio id, year, flags), read without loading the Application object."""
        if self._app is not None:
            return self._app.studio_id, self._app.year, self._app.flags or {}
        if self._head is None:
            self._head = applications.load_head(self.session, self.app_id) or (None, None, {})
        return self._head

    def flags(self):
        return self.head()[2]

    def load(self):
        return applications.load_answers(self.session, self.app_id)

    def set(self, key, value):
        source = "user"
        offered = self.flags().get("offered", {})
        if key in offered:
            source = "ledger" if offered[key] == value else "override"
        return applications.set_answer(self.session, self.app_id, key, value, self.actor, source,
                                       studio_id=self.head()[0])

    def skipped(self):
        return set(self.flags().get("skipped", []))

    def set_skipped(self, key, skipped):
        keys = self.skipped()
        new = keys | {key} if skipped else keys - {key}
        if new != keys:
            applications.set_flag(self.app, "skipped", sorted(new))

    def estimates(self):
        """The keys answered with an estimate (约20万): flags["estimates"]."""
        return set(self.flags().get("estimates", []))

    def set_estimate(self, key, estimate):
        keys = self.estimates()
        new = keys | {key} if estimate else keys - {key}
        if new != keys:
            applications.set_flag(self.app, "estimates", sorted(new))


class ApplicationHost(Host):
    """The application in the walker; its state: ``ref`` (the Application id), ``year``, and
    ``proof_for`` (the starred field a file sent next proves), ``led`` (flagged fields shown)."""
    name = "application"
    title = "填写申报表"
    resume_command = "申报"

    def form(self, turn, state):
        return application_form(state["year"])

    def store(self, turn, state):
        return ApplicationStore(turn.session, state["ref"], turn.actor)

    def key(self, state):
        return str(state["ref"])

    def describe(self, data):
        form = application_form(data["year"])
        item = form.by_key.get(data.get("cursor") or "")
        where = f"，正在填「{item.qualified}」" if item is not None else ""
        return f"{data['year']} 年度申报表{where}"

    def is_stale(self, turn, state):
        app = turn.session.get(Application, state["ref"])
        return app is None or app.status not in EDITABLE

    def help_words(self):
        return ["七有", "证明", "导出", "导出材料包", "制度", "设备", "场所"]

    def preview_extra(self, turn, walker):
        return seven.report(app_service.seven_haves(turn.ctx, walker.store.app))

    def on_answer(self, turn, walker, item, value):
        # a file sent next proves this answer when it is starred and states something (not 0 or 无)
        if item.proof and proofs.needs_proof(item, value):
            walker.host_state["proof_for"] = item.key
        else:
            walker.host_state.pop("proof_for", None)
        if item.key == "cover.name":
            rename_studio(turn.session, walker.store.head()[0], value)
        notes = []
        if item.key == "basics.area":
            notes.append(f"七有要求一般不少于 20 平方米，{'已满足' if float(value) >= 20 else '尚未满足'}")
        if item.key == "basics.members":
            notes.append("七有要求 3 人以上，" + ("已满足" if value >= 3 else "尚未满足"))
        revise = set(walker.store.flags().get("revise", []))
        if item.key in revise:
            applications.set_flag(walker.store.app, "revise", sorted(revise - {item.key}))
            notes.append("已按审批意见修改")
        return "；".join(notes)

    def lead(self, turn, walker):
        """Each field a reviewer flagged, once per visit of the form, before anything else."""
        led = list(walker.host_state.get("led", []))
        for key in walker.store.flags().get("revise") or []:
            if key not in led and key in walker.form.by_key:
                walker.host_state["led"] = led + [key]
                return walker.form.by_key[key].qualified
        return None

    def offer(self, turn, walker, item):
        if not item.key.startswith(STATISTICAL_BLOCKS):
            return None                     # only the statistical blocks come from the ledgers
        return statistics.offer(turn, walker, item)

    def draft(self, turn, walker, item):
        """生成草稿 at 业绩简介: the 附件2 draft's text from the answers and the ledgers (handlers/application/
        materials.py), without its placeholders; shown, and stored only when the leader accepts it."""
        if item.key != "narrative":
            return None
        return materials.narrative_draft(turn.session, turn.config, walker.store.app)

    def submit_check(self, turn, walker):
        """Before the confirmation: starred items lacking proof (refused with BOT_PROOFS_REQUIRED, else
        listed) and what 附件2 still has to be supplied with."""
        app = walker.store.app
        refusal = review_service.submit_refusal(turn.ctx, app)
        problems = [] if refusal else review_service.submit_problems(turn.ctx, app, walker.answers, walker.skipped)[0]
        if refusal or problems:
            return (refusal or "以下内容前后不一致，暂不能提交：\n" + "\n".join(problems),
                    [("继续填写", act("continue"))]), ""
        draft = materials.draft(turn.session, turn.config, app)
        supply = "\n".join(filter(None, (materials.notice(draft.to_supply(), draft.left_out),
                                          statistics.differences_note(turn.session, app, walker.answers))))
        lacking = proofs.missing(turn.session, app)
        if not lacking:
            return None, supply
        names = "、".join(i.qualified for i in lacking)
        if turn.config.proofs_required:
            return (f"以下 {len(lacking)} 项带 * 的内容还没有证明材料，暂不能提交：{names}。\n"
                    "请发送「证明 项目名」后发送照片或文件，补齐后再说「提交」。",
                    [("查看证明", "证明"), ("继续填写", act("continue"))]), ""
        return None, (f"注意：以下 {len(lacking)} 项带 * 的内容还没有证明材料（填表说明 5：须提供证明复印件）：{names}。"
                      "可以先补充（发送「证明 项目名」后发送照片或文件），也可以先提交。"
                      + (f"\n{supply}" if supply else ""))

    def submit(self, turn, walker):
        try:
            outcome = review_service.submit(turn.ctx, walker.store.app)
        except UserError as refused:
            turn.reply(str(refused), [("继续填写", act("continue"))])
            return
        walker.end()
        say_submitted(turn, outcome)

    def on_attachment(self, turn, walker, key, attachments):
        turn.reply(proof_chat.on_form_attachment(turn, walker, attachments))


HOST = ApplicationHost()


def say_submitted(turn, outcome):
    app, step = outcome["app"], outcome["step"]
    verb = "已重新提交" if outcome.what == "resubmit" else "已提交"
    turn.reply(f"{verb} {app.year} 年度申报表，现由第 {step.step} 步 {STEP_NAMES[step.role]}审批。"
               "每一步有结果都会通知您；审批开始前可以说「撤回」。")
    if not outcome["reviewers"]:
        turn.reply(NO_REVIEWER_NOTE.format(step=STEP_NAMES[step.role]))


def start(turn, args):
    """申报: open the application's form (or bring it back), offering last year's answers to a new one."""
    refusal = named_refusal(turn.config, studio_of(turn))      # named: the title is not given twice
    if refusal:
        turn.reply(refusal)
        return
    app = current_application(turn, create=True)
    if app.status in (AppStatus.SUBMITTED, AppStatus.APPROVED, AppStatus.NAMED):
        turn.reply(f"{app.year} 年度申报已提交，当前：{status_text(turn.session, app)}。")
        return
    if app.status == AppStatus.REJECTED:
        turn.reply(rejected_text(turn.session, app))       # 不同意 ends the year's application
        return
    if app.status == AppStatus.WITHDRAWN:
        app.status = AppStatus.DRAFT
    earlier = application_carry.wants_offer(turn.session, app)
    if earlier is not None:
        application_carry.offer(turn, app, earlier)     # 从去年的申报表开始 / 从头填写, then the form
        return
    open_form(turn, app)


def open_form(turn, app):
    verb = "开始填写" if not applications.load_answers(turn.session, app.id) else "继续填写"
    header = f"好的，{verb} {app.year} 年度创新工作室申报表"
    revise = (app.flags or {}).get("revise") or []
    comment = (app.flags or {}).get("revise_comment", "")
    if revise:
        header += f"。审批退回，需修改：{'、'.join(revise_labels(app, revise))}；意见：{comment}"
    elif app.status == AppStatus.RETURNED:
        header += f"。审批退回，意见：{comment}。{RETURN_TODO}改好后请说「提交」"
    # the walker leads through every flagged field first (ApplicationHost.lead)
    forms.begin(turn, HOST, {"ref": app.id, "year": app.year}, header)


def revise_labels(app, keys):
    form = application_form(app.year)
    return [form.by_key[k].qualified for k in keys if k in form.by_key]


def resume(turn, args):
    """继续 outside the form: back into the application (or say there is nothing to resume)."""
    app = current_application(turn) if turn.person else None
    if app is None or app.status not in (AppStatus.DRAFT, AppStatus.RETURNED, AppStatus.WITHDRAWN):
        turn.reply("目前没有需要继续填写的申报表。发送「申报」开始。")
        return
    start(turn, args)


def on_carry(turn, action):
    """[从去年的申报表开始] / [从头填写]: copy last year's answers (or not), then the form."""
    app = current_application(turn)
    if app is None or action.args[0] != app.id:
        raise UserError("这个按钮已失效，请重新发送「申报」。")
    if (app.flags or {}).get("started_from") or applications.load_answers(turn.session, app.id):
        open_form(turn, app)            # pressed twice, or already begun: just go on
        return
    if action.verb == "copy":
        earlier = turn.session.get(Application, action.args[1])
        if earlier is None or earlier.studio_id != app.studio_id or earlier.year >= app.year:
            raise UserError("这个按钮已失效，请重新发送「申报」。")
        copied, refill = application_carry.copy_answers(turn.session, earlier, app, turn.actor)
        applications.set_flag(app, "started_from", earlier.id)
        turn.reply(f"已从 {earlier.year} 年度申报表复制 {len(copied)} 项：{application_carry.by_block(copied)}。\n"
                   f"需要重新填写 {len(refill)} 项：{application_carry.by_block(refill)}。")
    else:
        applications.set_flag(app, "started_from", "fresh")
    open_form(turn, app)


def submit_outside(turn, args):
    """提交 outside the form: say where the application is and what to do."""
    app = current_application(turn)
    if app is None:
        turn.reply("还没有申报表。发送「申报」开始填写。", [("申报", "申报")])
    elif app.status == AppStatus.REJECTED:
        turn.reply(rejected_text(turn.session, app))
    elif app.status in (AppStatus.DRAFT, AppStatus.WITHDRAWN, AppStatus.RETURNED):
        turn.reply("请先发送「申报」打开申报表，核对后再说「提交」。", [("继续填写", "申报")])
    else:
        turn.reply(f"{app.year} 年度申报已提交，当前：{status_text(turn.session, app)}。")


def withdraw(turn, args):
    review_service.withdraw(turn.ctx, current_application(turn) or application_or_refuse(turn))
    turn.reply("已撤回申报，可以继续修改后再「提交」。", [("继续填写", "申报")])


def seven_haves(turn, args):
    turn.reply(seven.report(app_service.seven_haves(turn.ctx, application_or_refuse(turn))))


def export_command(turn, args):
    export_to_chat(turn, application_or_refuse(turn))


def package_command(turn, args):
    app = application_or_refuse(turn)
    documents.application_package(turn.ctx, app, recipients=[asker(turn)], dedupe_key=f"package:{turn.key}")
    differ = statistics.differences_note(turn.session, app, applications.load_answers(turn.session, app.id))
    turn.reply(document_preparing("申报材料包（PDF 和电子版 ZIP）") + (f"\n{differ}" if differ else ""))


def export_to_chat(turn, app, text="已生成申报审批表："):
    """The application's DOCX in this chat: at once when this version was rendered, else when ready."""
    outcome = documents.application(turn.ctx, turn.bot, app, asker=asker(turn), text=text,
                                    dedupe_key=f"export:{turn.key}")
    if outcome["file"] is not None:
        turn.reply(f"{text}{outcome['file'].name}", file=file_for(turn, outcome["file"]))
    else:
        turn.reply(document_preparing("申报审批表"))


def asker(turn):
    """The person asking, as a document recipient (this chat)."""
    return {"channel": turn.incoming.channel, "user": turn.incoming.user}


def file_for(turn, stored):
    return files.as_outgoing_file(turn.bot, stored)


def document_preparing(what):
    return document_tasks.PREPARING.format(what=what)


def register(router):
    router.add_command("apply", start, do=Do.APPLY, kind="start", help="填写或继续填写本年度申报表")
    router.add_command("resume", resume, do=Do.APPLY, kind="start")
    router.add_command("submit", submit_outside, do=Do.APPLY)
    router.add_command("withdraw", withdraw, do=Do.APPLY, help="在审批开始前撤回申报")
    router.add_command("seven", seven_haves, do=Do.APPLY, help="七有自查")
    router.add_command("export", export_command, do=Do.APPLY, help="导出申报审批表（Word 文件）")
    router.add_command("package", package_command, do=Do.APPLY,
                       help="导出申报材料包：申报表、附件2、证明材料清单和证明材料合成一份 PDF，另附电子版 ZIP")
    router.add_action(application_carry.ACTION, on_carry, {"copy": (INT, INT), "fresh": (INT,)}, do=Do.APPLY)
