"""The application (附件1 申报审批表) in chat: 申报 / 继续 / 七有 / 导出, its store and submission."""


from bot.forms.host import Host, Store
from handlers import form_flow as forms
from handlers.application import carry as application_carry, document_tasks, proofs, seven, seven_record
from handlers.application.current import application_or_refuse, current_application, rename_studio
from handlers.application.schema import application_form, cross_check
from handlers.ledgers import statistics, waiting as ledger_waiting
from handlers.review.flow import submit
from handlers.review.steps import RETURN_TODO, rejected_text, status_text
from storage import applications
from storage.models import Application

STATISTICAL_BLOCKS = ("funding.", "innovation.", "benefit.", "talent.")


class ApplicationStore(Store):
    """One application's answers and flags; the Application row itself is read only when needed."""

    def __init__(self, session, app_id, person_id):
        self.session, self.app_id, self.person_id = session, app_id, person_id
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
        return applications.set_answer(self.session, self.app_id, key, value, self.person_id, source)

    def skipped(self):
        return set(self.flags().get("skipped", []))

    def set_skipped(self, key, skipped):
        keys = self.skipped()
        new = keys | {key} if skipped else keys - {key}
        if new != keys:
            applications.set_flag(self.app, "skipped", sorted(new))


class ApplicationHost(Host):
    """The application in the walker; its state: ``ref`` (the Application id), ``year``, and
    ``proof_for`` (the starred field a file sent next proves), ``led`` (flagged fields shown)."""
    name = "application"
    resume_command = "申报"

    def form(self, turn, state):
        return application_form(state["year"])

    def store(self, turn, state):
        return ApplicationStore(turn.session, state["ref"], turn.person_id)

    def commands(self):
        return {**seven_record.form_commands(),
                "七有": lambda turn, walker, args: turn.reply(seven.report(self.haves(turn, walker))),
                "导出": lambda turn, walker, args: export_to_chat(turn, walker.store.app),
                "导出材料包": lambda turn, walker, args: document_tasks.send_package(turn, walker.store.app),
                **proofs.form_commands()}

    def haves(self, turn, walker):
        values = walker.form.complete_values(walker.answers)
        return seven_record.check(turn.session, walker.store.app, values, turn.config)

    def preview_extra(self, turn, walker):
        return seven.report(self.haves(turn, walker))

    def on_answer(self, turn, walker, item, value):
        # a file sent next proves this answer when it is starred (handlers/application/proofs.py)
        turn.state.pop("proof", None)
        turn.state.pop("seven_file", None)
        if item.proof:
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

    def submit_check(self, turn, walker):
        """提交 with starred items lacking proof: refused (BOT_PROOFS_REQUIRED) or listed for the confirmation."""
        lacking = proofs.missing(turn.session, walker.store.app)
        if not lacking:
            return None, ""
        names = "、".join(i.qualified for i in lacking)
        if turn.config.proofs_required:
            return (f"以下 {len(lacking)} 项带 * 的内容还没有证明材料，暂不能提交：{names}。\n"
                    "请发送「证明 项目名」后发送照片或文件，补齐后再说「提交」。",
                    [("查看证明", "证明"), ("继续填写", "form:continue")]), ""
        return None, (f"注意：以下 {len(lacking)} 项带 * 的内容还没有证明材料（填表说明 5：须提供证明复印件）：{names}。"
                      "可以先补充（发送「证明 项目名」后发送照片或文件），也可以先提交。")

    def submit(self, turn, walker):
        problems = cross_check(walker.store.app.year, walker.answers, walker.skipped)
        if problems:            # the walker checks too; this holds for any way into submission
            turn.reply("以下内容前后不一致，暂不能提交：\n" + "\n".join(problems), [("继续填写", "form:continue")])
            return
        refusal, _ = self.submit_check(turn, walker)
        if refusal and turn.config.proofs_required:
            turn.reply(*refusal)
            return
        submit(turn, walker.store.app, walker)

    def on_attachment(self, turn, walker, key, attachments):
        turn.reply(proofs.on_attachment(turn, attachments, walker=walker))


HOST = ApplicationHost()


def start(turn, args):
    app = current_application(turn, create=True)
    if app.status in ("submitted", "approved", "named"):
        turn.reply(f"{app.year} 年度申报已提交，当前：{status_text(turn.session, app)}。")
        return
    if app.status == "rejected":
        turn.reply(rejected_text(turn.session, app))       # 不同意 ends the year's application
        return
    if app.status == "withdrawn":
        app.status = "draft"
    earlier = application_carry.wants_offer(turn.session, app)
    if earlier is not None:
        application_carry.offer(turn, app, earlier)     # 从去年的申报表开始 / 从头填写, then the form
        return
    verb = "开始填写" if not applications.load_answers(turn.session, app.id) else "继续填写"
    header = f"好的，{verb} {app.year} 年度创新工作室申报表"
    revise = (app.flags or {}).get("revise") or []
    comment = (app.flags or {}).get("revise_comment", "")
    if revise:
        header += f"。审批退回，需修改：{'、'.join(revise_labels(app, revise))}；意见：{comment}"
    elif app.status == "returned":
        header += f"。审批退回，意见：{comment}。{RETURN_TODO}改好后请说「提交」"
    if ledger_waiting.count(turn):
        turn.reply(ledger_waiting.reminder(turn))
    # the walker leads through every flagged field first (ApplicationHost.lead)
    forms.begin(turn, HOST, {"ref": app.id, "year": app.year}, header)


def revise_labels(app, keys):
    form = application_form(app.year)
    return [form.by_key[k].qualified for k in keys if k in form.by_key]


def resume(turn, args):
    """继续 outside the form: back into the application (or say there is nothing to resume)."""
    app = current_application(turn) if turn.person else None
    if app is None or app.status not in ("draft", "returned"):
        turn.reply("目前没有需要继续填写的申报表。发送「申报」开始。")
        return
    start(turn, args)


def seven_haves(turn, args):
    app = application_or_refuse(turn)
    form = application_form(app.year)
    values = form.complete_values(applications.load_answers(turn.session, app.id))
    turn.reply(seven.report(seven_record.check(turn.session, app, values, turn.config)))


def export_command(turn, args):
    export_to_chat(turn, application_or_refuse(turn))


def package_command(turn, args):
    document_tasks.send_package(turn, application_or_refuse(turn))


def export_to_chat(turn, app):
    document_tasks.send_application(turn.bot, turn.session, app, [], text="已生成申报审批表：",
                                    dedupe_key=f"export:{turn.key}", reply_to=turn)


def register(router):
    router.add_command("申报", start, roles=["leader", "member"], help="填写或继续填写本年度申报表", preempt=True)
    router.add_command("继续", resume, roles=["leader", "member"])
    router.add_command("七有", seven_haves, roles=["leader", "member"], help="七有自查")
    router.add_command(("导出", "导出申报表"), export_command, roles=["leader", "member"],
                       help="导出申报审批表（Word 文件）")
    router.add_command(("导出材料包", "材料包"), package_command, roles=["leader", "member"],
                       help="导出申报材料包：申报表、附件2、证明材料清单和证明材料合成一份 PDF，另附电子版 ZIP")
