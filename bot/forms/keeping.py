"""Nothing typed is thrown away: an answer a cross-field rule refuses is held, the other field is offered, and the walk comes back.

A mixin of ``Walker``. When a value (or a row, or a pasted table) breaks a rule with another
field, it is kept in the position's ``held`` and the user is told which two fields disagree, with
a button to correct the other one first ([先改「成员总数」]). Going to correct it — by that
button, by 「修改 X」, by 「上一步」 — leaves a ``return_to`` mark: where the walk was (the field,
the row being filled, a pasted table waiting). When the other field has its new value the walk
comes back to exactly there, stores what was held (or asks for it again), and goes on; it never
skips what was not yet asked. Uses of the walker: ``position``, ``form``, ``answers``, ``skipped``,
``cursor``, ``item``, ``turn``, ``ask``, ``ask_next``, ``edit``, ``_store_answer``, ``_save_row``,
``_ask_row_field``, the groups' menus and the long text's question.
"""
from bot.forms.schema import Group
from bot.forms.position import act


class KeepMixin:
    # -- what disagrees, and the way out ------------------------------------------------------------
    def _others(self, key, value=None, rows=None, skipped=None, cleared=()):
        """(messages, other keys) of the rules the change of ``key`` would break (``cleared``: keys
        emptied with it)."""
        values = dict(self.answers)
        for gone in cleared:
            values.pop(gone, None)
        if rows is not None:
            values[key] = rows
        elif value is not None:
            values[key] = value
        found = self.form.broken(values, self.skipped if skipped is None else skipped, changed=key)
        others = []
        for rule, _ in found:
            others += [k for k in rule.keys if k != key and k not in others and k in self.form.by_key]
        return [m for _, m in found], others

    def _way_out(self, others):
        """[先改「X」] for each other field of the broken rules."""
        return [(f"先改「{self.form.by_key[k].qualified}」", act("fix", k)) for k in others[:3]]

    def _hold(self, messages, others, held, kept):
        """Keep ``held`` (a value or a row), say what disagrees and offer to correct the other field."""
        self.position["held"] = dict(held, others=others)
        names = "」或「".join(self.form.by_key[k].qualified for k in others)
        way = f"可以先改「{names}」，改完会回到这里；也可以重新填写这一项。" if others else "请核对后重新填写。"
        self.turn.reply("\n".join(messages) + f"\n{kept}\n{way}", self._way_out(others))

    # -- going to fix the other field -----------------------------------------------------------------
    def _place(self):
        return {"cursor": self.position.get("cursor"), "row": self.position.get("row"),
                "paste": self.position.get("paste")}

    def _mark_return(self):
        """Remember where the walk is (the field, a row being filled, a table waiting), once."""
        if self.position.get("return_to") or not self.position.get("cursor"):
            return
        self.position["return_to"] = self._place()

    def _held_place(self, origin=None):
        """Where the held answer belongs: ``origin`` (where the walk is), or — typed out of order — its
        own field, then ``origin``."""
        held, here = self.position.get("held"), origin or self._place()
        if not held or held.get("key") == here.get("cursor") or held.get("key") not in self.form.by_key:
            return here
        return {"cursor": held["key"], "row": None, "paste": None, "then": here if here.get("cursor") else None}

    def _fix(self, key):
        """[先改「X」]: go to X; after its new value the walk comes back here."""
        item = self.item(key)
        if item is None:
            self.turn.reply("这个按钮已失效。")
            self._reask()
            return True
        self.position["return_to"] = self._held_place(origin=self.position.get("return_to"))
        self.position.pop("paste", None)
        self.edit(item.qualified, mark=False)
        return True

    # -- coming back ------------------------------------------------------------------------------
    def _go_on(self, after=None):
        """After a value is stored (or a field skipped or finished): back to the marked place — or to the
        held answer when the field it disagreed with was just corrected — else on."""
        back = self.position.get("return_to")
        if after is not None and self._held_waits_for(after):
            back = self.position["return_to"] = self._held_place(origin=back)
        if back and back.get("cursor") in self.form.by_key and back["cursor"] != after:
            self.position.pop("return_to")
            return self._come_back(back)
        self.position.pop("return_to", None)
        self.ask_next(after=after)
        return True

    def _keep_going(self):
        """继续 (the value kept as it is): back to the marked place, or the next field to fill."""
        if self.position.get("return_to"):
            return self._go_on(after=self.position.get("cursor"))
        self.ask_next()
        return True

    def _held_waits_for(self, key):
        """Is an answer held until ``key`` is corrected?"""
        return key in (self.position.get("held") or {}).get("others", ())

    def _come_back(self, back):
        key = back["cursor"]
        item = self.item(key)
        self.position["cursor"], self.position["row"] = key, back.get("row")
        held = self.position.pop("held", None)
        held = held if held and held.get("key") == key else None
        if back.get("paste"):
            self.position["paste"] = back["paste"]
            return self._paste_ask(item, lead="回到刚才粘贴的内容。")
        if isinstance(item, Group):
            if held and held.get("row"):
                self.turn.reply(f"回到{item.label}，保存刚才记下的这一{item.unit}：")
                return self._save_row(item, held["row"])
            if self.position.get("row"):
                self.turn.reply(f"回到{item.label}，继续刚才的这一{item.unit}。")
                self._ask_row_field()
                return True
            if held and held.get("add"):
                return self._start_row(item, first=held.get("first"))
            self.turn.reply(self._group_reminder(item), self._group_buttons(item))
            return True
        if held and held.get("skip"):
            return self._skip(item)
        if held and "value" in held:
            self.turn.reply(f"回到「{item.qualified}」，保存刚才记下的值：")
            if back.get("then"):
                self.position["return_to"] = back["then"]       # and then where the walk was
            self._store_answer(item, held["value"], note=held.get("note", ""), estimate=held.get("estimate", False))
            return True
        if item.kind == "longtext" or not self.form.is_done(item, self.answers, self.skipped):
            self.ask(item, prefix="回到刚才的地方：", lead="继续第")
            return True
        self.ask_next(after=key)
        return True
