"""The walker's reports on the form: 进度, what is missing, 预览, 帮助, and the 提交 check with its confirmation.

A mixin of ``Walker``. Everything here reads the answers and says something; the only change
is the pending confirmation of 提交 (the host's submit word). Uses of the walker: ``form``,
``answers``, ``skipped``, ``missing``, ``host``, ``position``, ``cursor``, ``turn``, ``_reask``,
and the long text's ``_longtext_missing``.
"""
from bot.forms.longtext import DRAFT, list_word, outline
from bot.forms.schema import Group
from bot.forms.position import act

COMMANDS_HINT = "随时可以说：上一步 / 跳过 / 修改 字段名 / 进度 / 预览 / 帮助 / 取消。"
CONTINUE_BUTTON = ("继续填写", act("continue"))


class ReportMixin:
    def _submit_button(self):
        label = self.host.submit_label()
        return (label, label)

    def progress(self):
        missing = self.missing()
        total = len(self.form.asked)
        done = total - len(missing)
        others = self._other_tasks()
        if not missing:
            self.turn.reply(f"已填 {done}/{total} 项，全部完成。{others}", [("预览", "预览"), self._submit_button()])
            return
        self.turn.reply(f"已填 {done}/{total} 项。还差：{self.missing_text(missing)}。{others}", [CONTINUE_BUTTON])

    def _other_tasks(self):
        """The other open tasks on the stack (a ledger entry waiting below the form …), as a line."""
        stack = getattr(self.turn, "stack", None)
        lines = stack.describe()[1:] if stack is not None else []
        return ("\n另有未完成的事项：" + "；".join(lines) + "。") if lines else ""

    def missing_text(self, missing=None, limit=12):
        names = []
        for item in missing if missing is not None else self.missing():
            if item.kind == "longtext":
                names.append(self._longtext_missing(item))
            elif isinstance(item, Group) and item.min_rows:
                names.append(f"{item.label}（至少 {item.min_rows} {item.unit}）")
            else:
                names.append(item.qualified)
        more = f" 等 {len(names)} 项" if len(names) > limit else ""
        return "、".join(names[:limit]) + more

    def preview(self, buttons=True):
        values = self.form.complete_values(self.answers)
        skipped = self.skipped
        estimates = self.estimates()
        lines, block = [f"【{self.form.title}】"], None
        for item in self.form.items:
            if item.block != block:
                block = item.block
                lines.append(f"— {block} —")
            value = values.get(item.key)
            if isinstance(item, Group):
                rows = value or []
                lines.append(f"{item.label}：{len(rows)} {item.unit}")
                for n, row in enumerate(rows, 1):
                    lines.append(f"  {n}. {item.row_summary(row)}")
            elif item.key in skipped and value in (None, ""):
                lines.append(f"{item.label}：（已跳过）")
            else:
                guess = "（估计数）" if item.key in estimates and value not in (None, "") else ""
                lines.append(f"{item.label}：{item.display(value)}{guess}")
        extra = self.host.preview_extra(self.turn, self)
        if extra:
            lines.append(extra)
        missing = self.missing()
        if missing:
            lines.append(f"还差 {len(missing)} 项：{self.missing_text(missing)}")
        shown = ([CONTINUE_BUTTON] if missing else [self._submit_button()]) if buttons else []
        self.turn.reply("\n".join(lines), shown)

    def help(self):
        """Help for the field being asked, then the same question again."""
        item = self.cursor
        if item is None:
            self.turn.reply(COMMANDS_HINT)
            return
        star = "（带 * 项，需提供证明材料）" if item.proof else ""
        optional = "选填，没有可说「没有」或「跳过」。" if item.optional else "必填。"
        extra = "、".join(self.host.help_words())
        row = self.position.get("row")
        about = f"{item.qualified}{star}：{item.question()}\n{optional}"
        if item.kind == "longtext":
            about = (f"{item.qualified}：{outline(item)}\n可以分几条发送，我会接在一起；「{list_word(item)}」查看各段，"
                     f"「替换第1段 …」「删除第2段」「第3段移到第1段」逐段修改；发送「{DRAFT}」，我根据申报表和台账"
                     "拼一份草稿供您修改（不会直接记入）。")
        if row and isinstance(item, Group):
            about = f"{item.label}·{item.field(row['field']).label}：{item.field(row['field']).question()}"
        elif isinstance(item, Group):
            about = f"{item.label}{star}：{item.question()}"
        self.turn.reply(f"{about}\n{COMMANDS_HINT}" + (f"\n还可以说：{extra}。" if extra else ""))
        self._reask()

    # -- 提交 ----------------------------------------------------------------------------------
    def submit(self):
        """提交 (or the host's word for it): refused with what is missing or contradictory, else confirmed."""
        label = self.host.submit_label()
        missing = self.missing()
        if missing:
            self.turn.reply(f"还有 {len(missing)} 项未完成，暂不能{label}：{self.missing_text(missing)}。",
                            [CONTINUE_BUTTON])
            return
        if self._cross_problems():
            return
        refusal, note = self.host.submit_check(self.turn, self)
        if refusal:
            self.turn.reply(refusal[0], refusal[1])
            return
        self.preview(buttons=False)
        question = f"请核对以上内容，确认{label}吗？"
        if note:
            question = f"{note}\n{question}"
        guessed = self._estimated_starred()
        if guessed:
            question = (f"以下带 * 的数字是按估计数填写的，请核实（有准确数字可以先改）：{'、'.join(guessed)}。\n"
                        + question)
        self.turn.reply(question, [(f"确认{label}", act("confirm_submit")), ("再看看", act("continue"))])

    def _estimated_starred(self):
        """The starred figures answered as estimates (约20万), each with its value, in form order."""
        estimates, answers = self.estimates(), self.answers
        return [f"{i.qualified} {i.display(answers.get(i.key))}" for i in self.form.asked
                if i.proof and i.key in estimates and answers.get(i.key) not in (None, "")]

    def _cross_problems(self):
        """Say what contradicts what, if anything (the submit check); True when something does."""
        problems = self.form.violations(self.answers, self.skipped, final=True)
        if problems:
            listed = "\n".join(f"{n}. {p}" for n, p in enumerate(problems, 1))
            self.turn.reply(f"以下内容前后不一致，暂不能{self.host.submit_label()}：\n{listed}", [CONTINUE_BUTTON])
        return bool(problems)

    def _confirm_submit(self):
        """[确认提交]: checked once more (the answers may have changed since), then the host's submit."""
        if self.missing() or self.form.violations(self.answers, self.skipped, final=True):
            self.submit()
            return True
        self.host.submit(self.turn, self)
        return True
