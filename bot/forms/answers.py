"""The walker's answers: parse, check the cross-field rules, store or re-ask, echo — also 「字段：值」 out of order.

A mixin of ``Walker``. A value is parsed by its field (bot/forms/kinds.py), checked against the
form's rules with the other answers (bot/forms/rules.py), then stored through the host's Store
and echoed normalised (``✓ 创建日期：20180420``), with how it was read (an estimate is kept with the
Store's ``set_estimate``); a wrong value is refused with the parser's reason and the same field is
asked again, and a value a rule refuses is held (bot/forms/keeping.py). 没有 / 无 at an optional field
is a skip. Corrections in plain words (「X改成Y」, 「X写错了，应该是Y」, 「修改X」, 「X Y」: the pure reading is
bot/forms/corrections.py) and a question naming a field (answered from its help or its block's note)
are here too. Uses of the walker: ``answers``, ``skipped``, ``_save``, ``store``, ``host``,
``position``, ``cursor``, ``ask``, ``_go_on``, ``_hold``, ``_skip``, ``edit``, and the groups' and long
text's methods for a label that names one of those.
"""
from decimal import Decimal, InvalidOperation

from bot.errors import InvalidInput
from bot.forms import asides, kinds
from bot.forms.parsers import NearMiss
from bot.forms.schema import Group
from bot.forms.position import act


def needs_proof(value):
    """An answer a proof must back: not 0, not empty (a starred 「无」 asks for no proof)."""
    if value in (None, "", [], 0, "0"):
        return False
    try:
        return Decimal(str(value)) != 0
    except (InvalidOperation, ValueError):
        return True


class AnswerMixin:
    def _answer(self, item, text, *, then_next=True):
        if item.optional and asides.is_none(text):
            return self._skip(item, said=text)
        try:
            reading = item.read(text, self.answers, self.today)
        except InvalidInput as exc:
            return self._refuse(exc, item=item)
        self._store_answer(item, reading.value, then_next=then_next, note=kinds.note(item, text, reading, self.today),
                           estimate=reading.estimate)
        return True

    def _refuse(self, exc, item=None, prefix=""):
        """Say why an answer was not taken; a near miss of a choice is asked back with buttons."""
        if not isinstance(exc, NearMiss):
            self.turn.reply(prefix + str(exc))
            return True
        # a top-level field is named in the action (it may not be the cursor); a row field is the row's
        confirm = f"set:{item.key}={exc.suggestion}" if item is not None else f"answer:{exc.suggestion}"
        others = [o for o in exc.options if o != exc.suggestion] if len(exc.options) <= 6 else []
        action = confirm.split(":", 1)[0]
        buttons = [("是", act(*confirm.split(":", 1)))] + [
            (o, act("set", f"{item.key}={o}") if action == "set" else act("answer", o)) for o in others]
        hint = "" if others else "不是的话，请直接写出全称。"
        self.turn.reply(prefix + str(exc) + hint, buttons)
        return True

    def _conflict(self, item, value=None, skipped=None):
        """The cross-field rules the change would break, as one message (empty: none)."""
        return "\n".join(self._others(item.key, value, skipped=skipped)[0])

    def _store_answer(self, item, value, *, then_next=True, note="", estimate=False):
        """Store ``value`` for ``item`` and say it back; a value a cross-field rule refuses is held
        (bot/forms/keeping.py) and False returned."""
        messages, others = self._others(item.key, value)
        if messages:
            self._hold(messages, others, {"key": item.key, "value": value, "note": note, "estimate": estimate},
                       kept=f"您写的「{item.display(value)}」已记下，{item.qualified}暂未保存。")
            return False
        held = self.position.get("held")
        if held and held.get("key") == item.key:
            self.position.pop("held")
        old = self._save(item.key, value)
        self.store.set_skipped(item.key, False)
        self.store.set_estimate(item.key, estimate)
        for dependent in self.form.dependents(item.key):        # asked again now that it means something
            if dependent.key in self.skipped and self.answers.get(dependent.key) in (None, ""):
                self.store.set_skipped(dependent.key, False)
        shown = item.display(value)
        if old not in (None, "", []) and old != value:
            line = f"✓ {item.qualified}：{item.display(old)} → {shown}"
        else:
            line = f"✓ {item.qualified}：{shown}"
        extra = self.host.on_answer(self.turn, self, item, value)
        if extra:
            line += f"（{extra}）"
        if item.proof and needs_proof(value):
            line += "\n此项需提供证明材料，可直接发送照片或文件。"
        if note:
            line += "\n" + note
        self.turn.reply(line)
        if then_next:
            self._go_on(after=item.key)
        return True

    def estimates(self):
        """The keys whose stored answer was an estimate."""
        return self.store.estimates()

    # -- 「字段：值」: an answer to a named field, which may not be the one asked ------------------
    def _labelled(self, targets, label, value):
        if len(targets) > 1:
            self.position["pending"] = {"value": value, "confirm": ""}
            buttons = [(t.qualified if not isinstance(t, tuple) else f"{t[0].label}{t[1].label}",
                        act("pick", self._target_id(t))) for t in targets]
            self.turn.reply(f"「{label}」有多处，您要填的是哪一项？", buttons)
            return True
        return self._apply_target(targets[0], value)

    def _apply_target(self, target, value):
        if isinstance(target, tuple):          # a field of the row being filled
            group, sub = target
            return self._row_answer(group, self.position["row"], value, field=sub)
        if isinstance(target, Group):
            self.position["cursor"], self.position["row"] = target.key, None
            self.turn.reply(f"{target.label}需要逐条添加。" + self._group_menu_text(target),
                            self._group_buttons(target))
            return True
        if target.kind == "longtext":
            self.position["cursor"] = target.key
            return self._longtext_append(target, value)
        if target.optional and asides.is_none(value):
            return self._skip(target, said=value, resume=True)
        try:
            reading = target.read(value, self.answers, self.today)
        except InvalidInput as exc:
            return self._refuse(exc, item=target, prefix=f"{target.qualified}：")
        if self._store_answer(target, reading.value, then_next=False,
                              note=kinds.note(target, value, reading, self.today), estimate=reading.estimate):
            self._resume_line(after=target.key)
        return True

    def _resume_line(self, after=None):
        """After an out-of-order answer, say what comes next without losing the place (a place marked
        before a correction comes first: bot/forms/keeping.py).

        A repeating group being filled is named in one short line (its intro was shown when it
        was first asked): repeating the whole intro after every ✓ buries the answer."""
        if self.position.get("return_to") or self._held_waits_for(after):
            self._go_on(after=after)
            return
        cursor = self.cursor
        if self.position.get("row"):
            self._ask_row_field()
        elif isinstance(cursor, Group):     # open until 完成, even with rows in it already
            self.turn.reply(self._group_reminder(cursor), self._group_buttons(cursor))
        elif cursor is not None and not self.form.is_done(cursor, self.answers, self.skipped):
            self.ask(cursor, lead="继续第")
        else:
            self.ask_next()

    def _resolve(self, label):
        """Items a typed label may mean; None when it names nothing (then it is a plain answer)."""
        label = label.strip()
        row = self.position.get("row")
        cursor = self.cursor
        if row and isinstance(cursor, Group):
            subs = [f for f in cursor.fields if f.label == label]
            if subs:
                return [(cursor, subs[0])]
        items = self.form.lookup(label)
        if not items:
            return None
        exact = [i for i in items if i.qualified == label]
        if exact:
            return exact[:1]
        if len(items) > 1 and cursor is not None:
            same_block = [i for i in items if i.block == cursor.block]
            if len(same_block) == 1:
                return same_block
        # a label shared with groups' row fields (姓名 of the leader vs 姓名 of a member)
        groups = [(g, f) for g in self.form.items if isinstance(g, Group)
                  for f in g.fields if f.label == label]
        if len(items) == 1 and groups and cursor is not None and cursor.block == items[0].block:
            return items
        if groups:
            return items + groups
        return items

    @staticmethod
    def _target_id(target):
        return f"{target[0].key}/{target[1].key}" if isinstance(target, tuple) else target.key

    def _pick(self, arg):
        """[the field meant] pressed after 「字段：值」 named several: the value goes there."""
        pending = self.position.pop("pending", None) or {}
        if "value" not in pending:
            self.turn.reply("这个选择已过期，请重新输入。")
            return True
        if "/" in arg:
            group_key, sub_key = arg.split("/", 1)
            group = self.item(group_key)
            if not self.position.get("row") or self.position.get("cursor") != group_key:
                # start a new row of that group with this value filled in
                self.position["cursor"] = group_key
                self.position["row"] = {"index": None, "field": group.fields[0].key, "data": {}}
            return self._apply_target((group, group.field(sub_key)), pending["value"])
        target = self.item(arg)
        return self._apply_target(target, pending["value"]) if target else True

    def _accept_offer(self):
        """[采用]: the value the host offered for a field is stored as the answer."""
        offer = self.position.pop("offer", None)
        item = self.item(offer["key"]) if offer else None
        if item is None:
            self.ask_next()
            return True
        self._store_answer(item, offer["value"])
        return True

    # -- corrections in plain words and questions about a field ---------------------------------------
    def _plain(self, said):
        """「X改成Y」, 「X写错了，应该是Y」 (set), 「修改X」 (edit), 「X Y」 (pair): True when taken."""
        kind, label = said[0], said[1]
        targets = self._resolve(label)
        if targets is None:
            return False
        if kind == "edit":
            self.edit(label)
            return True
        value = said[2]
        plain = [t for t in targets if not isinstance(t, Group) and (isinstance(t, tuple) or t.kind != "longtext")]
        if kind == "set":
            if not plain:
                return False
            return self._labelled(plain, label, value)
        if len(targets) != 1 or len(plain) != 1:
            return False
        target = plain[0]
        field = target[1] if isinstance(target, tuple) else target
        asked = self.asked_field()
        if field is not asked and field.kind == "text" and (len(label) < 4 or label in getattr(asked, "label", "")):
            return False            # 「专业 隧道施工」 at 专业领域: a short word of free text is no label there
        if not (field.optional and asides.is_none(value)):
            try:
                field.parse(value, self.answers, self.today)
            except InvalidInput:
                return False        # not a value of that field: the text is an answer to the one asked
        return self._apply_target(target, value)

    def _about(self, text):
        """A question naming a field or a block (「经费投入是填单位拨的钱还是我们自己花的？」): answered from
        the form's help, then the field being asked is asked again. False when it names none."""
        found = asides.mentioned(self.form, text)
        if found is None:
            return False
        kind, what = found
        if kind == "block":
            answer = f"「{what}」：{self.form.block_of(what)}"
        else:
            if what is self.cursor:
                return False
            answer = f"「{what.qualified}」：{what.question()}"
            if what.proof:
                answer += "\n（带 * 项，须提供证明材料的复印件或照片，填表说明 5。）"
        self.turn.reply(answer)
        self._reask()
        return True
