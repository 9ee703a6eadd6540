"""The walker's navigation: which field is asked next and how, 上一步, 跳过, 修改 字段, 取消, and re-asking after an aside.

A mixin of ``Walker``. The cursor (the key being asked) and the keys asked before it
(``back``, for 上一步) live in the position; a host may lead to a field first (``Host.lead``) and
offer a value for a field with [采用] (``Host.offer``). 跳过 (or 没有 at an optional field) skips the
fields that depend on it too (``Field.depends``); 上一步 and 修改 of an answered field mark the place
the walk comes back to (bot/forms/keeping.py). Uses of the walker: ``position``, ``form``,
``answers``, ``skipped``, ``host``, ``turn``, ``missing``, ``_others``, ``_hold``, ``_go_on``,
``_mark_return``, and the groups' and long text's ways of asking.
"""
from bot.forms.schema import Group
from bot.forms.position import act

BACK_LIMIT = 30             # keys remembered for 上一步


class NavigationMixin:
    def _remember(self, key):
        """Before the cursor moves to ``key``: the current one goes on the 上一步 list."""
        back = list(self.position.get("back", []))
        cursor = self.position.get("cursor")
        if cursor and cursor != key:
            back = (back + [cursor])[-BACK_LIMIT:]
        self.position["back"] = back

    def ask_next(self, after=None):
        lead = self.host.lead(self.turn, self)
        if lead is not None:
            self.edit(lead, mark=False)
            return
        missing = self.missing()
        self.position["row"] = None
        if not missing:
            self.position["cursor"] = None
            self.turn.reply(f"全部 {len(self.form.asked)} 项都已填写。可以说「预览」查看，"
                            f"或「{self.host.submit_label()}」。",
                            [("预览", "预览"), (self.host.submit_label(), self.host.submit_label())])
            return
        item = missing[0]
        if after is not None and after in self.form.by_key:
            number = self.form.number
            position = number(self.form.by_key[after]) if not self.form.by_key[after].computed else 0
            later = [i for i in missing if number(i) > position]
            item = later[0] if later else missing[0]
        self.ask(item)

    def ask(self, item, prefix="", lead="第"):
        key = item.key
        self._remember(key)
        self.position["cursor"], self.position["row"] = key, None
        self.position.pop("row_pick", None)
        number = self.form.number(item)
        if isinstance(item, Group):
            text, buttons = self._group_offer(item, self._group_menu_text(item), self._group_buttons(item))
            self.turn.reply(prefix + f"{lead} {number} 项 {item.label}：{item.question()}\n" + text, buttons)
            return
        text = prefix + f"{lead} {number} 项 {item.qualified}：{item.question()}"
        if item.kind == "longtext":
            self._ask_longtext(item, text)
            return
        self.turn.reply(*self._with_offer(item, text, self._field_buttons(item)))

    def _with_offer(self, item, text, buttons):
        """The question with the host's suggested value for ``item`` and [采用], when it has one."""
        offer = self.host.offer(self.turn, self, item)
        if offer is None:
            return text, buttons
        value, reason = offer
        self.position["offer"] = {"key": item.key, "value": value}
        text += f"\n{reason}：{item.display(value)}。采用请点「采用」，或直接输入其他数值。"
        return text, [("采用", act("accept_offer"))] + buttons

    def _field_buttons(self, item):
        if isinstance(item, Group):
            return self._group_buttons(item)
        buttons = []
        if item.kind in ("choice", "choices") and len(item.options) <= 6:
            buttons = [(o, act("answer", o)) for o in item.options]
        elif item.kind == "gender":
            buttons = [("男", act("answer", "男")), ("女", act("answer", "女"))]
        elif item.opts.get("today_button"):
            buttons = [("今天", act("answer", "今天"))]
        if item.optional:
            buttons.append(("跳过", "跳过"))
        return buttons

    def back(self):
        back = list(self.position.get("back", []))
        if back and not self.position.get("row"):
            self._mark_return()          # an answer there comes back here (bot/forms/keeping.py)
        if self.position.get("row"):
            self.position["row"] = None
            self.turn.reply("已放弃正在添加的这一条。")
            self.ask(self.cursor)
            return
        if not back:
            self.turn.reply("已经是第一项了。")
            if self.cursor:
                self.ask(self.cursor)
            return
        key = back.pop()
        self.position["back"] = back
        item = self.item(key)
        self.position["cursor"], self.position["row"] = key, None
        if isinstance(item, Group) or item.kind == "longtext":
            self.turn.reply(f"回到 {item.qualified}。")
            self.position["cursor"] = None
            self.ask(item)
            self.position["back"] = back
            return
        current = self.answers.get(key)
        shown = f"（当前 {item.display(current)}）" if current not in (None, "") else ""
        self.turn.reply(f"回到 {item.qualified}{shown}。保持不变请说「继续」，或输入新值。\n{item.question()}",
                        self._field_buttons(item))

    def skip(self):
        item = self.cursor
        if item is None:
            self.ask_next()
            return
        self._skip(item)

    def _skip(self, item, said="", resume=False):
        """跳过 (or 没有 / 无 said at an optional field): the field left empty, and the fields that mean
        nothing without it (``Field.depends``) with it; said back, then on (or back to the place)."""
        if not item.optional:
            self.turn.reply(f"「{item.qualified}」是必填项，不能跳过。{item.question()}")
            return True
        along = [d for d in self.form.dependents(item.key) if d.key not in self.skipped or self.answers.get(d.key)]
        skipping = self.skipped | {item.key} | {d.key for d in along}
        messages, others = self._others(item.key, skipped=skipping, cleared=[item.key] + [d.key for d in along])
        if messages:
            self._hold(messages, others, {"key": item.key, "skip": True}, kept=f"所以{item.qualified}暂不能跳过。")
            return True
        for key in [item.key] + [d.key for d in along]:
            if self.answers.get(key) not in (None, ""):
                self._save(key, None)
            self.store.set_skipped(key, True)
            self.store.set_estimate(key, False)
        self._answers = None
        why = f"（您说“{said.strip()}”，表中留空）" if said else ""
        also = f"；{'、'.join(d.qualified for d in along)}也一并跳过" if along else ""
        self.turn.reply(f"已跳过 {item.qualified}{why}{also}。")
        if resume:
            self._resume_line(after=item.key)
        else:
            self._go_on(after=item.key)
        return True

    def edit(self, label, mark=True):
        """修改 <label>: go to that field and show its current value (a host may call this too); with
        ``mark``, a correction of a field already answered comes back to where the walk was once the
        field has its new value (a field not yet answered is just filled, and the walk goes on from it)."""
        label = label.strip()
        items = self.form.lookup(label) or [i for i in self.form.asked if i.qualified == label]
        if not items:
            names = "、".join(i.qualified for i in self.form.asked if label in i.qualified)[:200]
            hint = f"您是指：{names}？" if names else "发送「进度」可查看所有字段。"
            self.turn.reply(f"没有找到字段「{label}」。{hint}")
            return
        exact = [i for i in items if i.qualified == label]
        if len(items) > 1 and not exact:
            self.turn.reply(f"「{label}」有多处，请写完整名称：" + "、".join(i.qualified for i in items),
                            [(i.qualified, f"修改 {i.qualified}") for i in items[:6]])
            return
        item = (exact or items)[0]
        if mark and item.key != self.position.get("cursor") and self.form.is_done(item, self.answers, ()):
            self._mark_return()         # a correction: afterwards the walk comes back (bot/forms/keeping.py)
        self._remember(item.key)
        self.position["cursor"], self.position["row"] = item.key, None
        current = self.answers.get(item.key)
        if isinstance(item, Group):
            text, buttons = self._group_offer(item, self._group_menu_text(item) + "\n" + item.row_hint(),
                                              self._group_buttons(item))
            self.turn.reply(f"{item.label}：" + text, buttons)
            return
        if item.kind == "longtext":
            self._edit_longtext(item)
            return
        if current in (None, ""):
            text = f"{item.qualified}还没有填写。{item.question()}"
            self.turn.reply(*self._with_offer(item, text, self._field_buttons(item)))
        else:
            proof = "\n此项带 *：证明材料可以直接发送照片或文件；内容不改请说「继续」。" if item.proof else ""
            self.turn.reply(f"{item.qualified}当前为 {item.display(current)}。请输入新的值：{proof}",
                            self._field_buttons(item))

    def _reask(self, prefix=""):
        """After an aside (a question, a command), ask the current field again."""
        cursor = self.cursor
        if cursor is None:
            return
        if self.position.get("row"):
            if prefix:
                self.turn.reply(prefix.rstrip("："))
            self._ask_row_field()
        elif isinstance(cursor, Group):
            self.turn.reply(prefix + f"继续填写{cursor.label}：" + self._group_menu_text(cursor)
                            + self._next_row_hint(cursor), self._group_buttons(cursor))
        else:
            self.ask(cursor, prefix=prefix, lead="继续第")

    def cancel(self):
        self.turn.reply("确定退出填写吗？已填写的内容都已保存，随时可以继续。",
                        [("确认退出", act("confirm_cancel")), ("继续填写", act("continue"))])

    def _confirm_cancel(self):
        self.end()
        resume = self.host.resume_command
        self.turn.reply("已退出填写，内容已保存为草稿。" + (f"发送「{resume}」可随时继续。" if resume else ""))
        return True
