"""The one piece of code that moves through any form: commands, parse, validate, store or re-ask.

A *host* (the application, a ledger mini-form) supplies the Form, a Store for the answers and a
few hooks; the walker does everything else, the same way for every field. Its position lives in
the conversation state under ``state["form"]``:

    {"host": name, "ref": id, "cursor": key, "row": {...} | None, "pending": {...} | None,
     "back": [keys asked before], "paste": {...} (rows of a pasted table to confirm),
     "row_pick": index (a row whose field to change is being chosen)}

Repeating groups live in bot/forms/groups.py, questions and command words inside a form in
bot/forms/asides.py, cross-field rules in bot/forms/rules.py.
"""
import re

from bot.errors import InvalidInput, UserError
from bot.forms import asides, kinds
from bot.forms.groups import GroupMixin
from bot.forms.parsers import NearMiss
from bot.forms.schema import Group

LABEL_VALUE = re.compile(r"^\s*(?P<label>[^:：\n\t]{1,24}?)\s*[:：]\s*(?P<value>.+)$", re.S)
CONTINUE = ("继续", "继续填写", "不变", "保持不变")
YES = ("确认", "是", "确定", "是的", "对", "对的", "嗯", "好")

COMMANDS_HINT = "随时可以说：上一步 / 跳过 / 修改 字段名 / 进度 / 预览 / 帮助 / 取消。"


class Store:
    """Where a form's answers live. ``set`` returns the old value."""

    def load(self):
        raise NotImplementedError

    def set(self, key, value):
        raise NotImplementedError

    def skipped(self):
        return set()

    def set_skipped(self, key, skipped):
        raise NotImplementedError


class StateStore(Store):
    """Answers kept in the conversation state (ledger mini-forms before they are confirmed)."""

    def __init__(self, fstate):
        self.fstate = fstate
        fstate.setdefault("answers", {})
        fstate.setdefault("skipped", [])

    def load(self):
        return dict(self.fstate["answers"])

    def set(self, key, value):
        answers = dict(self.fstate["answers"])
        old = answers.get(key)
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
        self.fstate["answers"] = answers
        return old

    def skipped(self):
        return set(self.fstate["skipped"])

    def set_skipped(self, key, skipped):
        keys = set(self.fstate["skipped"])
        keys = keys | {key} if skipped else keys - {key}
        self.fstate["skipped"] = sorted(keys)


class Host:
    """What a form needs from its owner; override the hooks that apply."""
    name = ""

    def form(self, turn, fstate):
        raise NotImplementedError

    def store(self, turn, fstate):
        raise NotImplementedError

    def commands(self):
        """Extra commands inside the form: {word: fn(turn, walker, args)}."""
        return {}

    def preview_extra(self, turn, walker):
        return ""

    def on_answer(self, turn, walker, item, value):
        """Called after a value is stored; may return a note to add to the confirmation."""
        return ""

    def lead(self, turn, walker):
        """A field to take the user to before the missing ones (e.g. flagged by a reviewer), or None."""
        return None

    def offer(self, turn, walker, item):
        """A suggested value for ``item`` (e.g. computed from ledgers): (value, reason) or None."""
        return None

    def submit(self, turn, walker):
        """The confirmed submission; the host decides what happens and replies."""
        raise NotImplementedError

    def submit_label(self):
        return "提交"

    def submit_check(self, turn, walker):
        """Before the confirmation is asked: (a refusal to reply instead, or None; a note for the
        confirmation question, e.g. what still lacks proof)."""
        return None, ""

    def on_attachment(self, turn, walker, key, attachments):
        turn.reply("这里暂不能接收文件。")


class Walker(GroupMixin):
    def __init__(self, host, turn, fstate):
        self.host, self.turn, self.fstate = host, turn, fstate
        self.form = host.form(turn, fstate)
        self.store = host.store(turn, fstate)
        self._answers = None
        self._missing = None

    # -- answers -------------------------------------------------------------------
    @property
    def answers(self):
        if self._answers is None:
            self._answers = self.store.load()
        return self._answers

    def _save(self, key, value):
        old = self.store.set(key, value)
        self._answers = None
        return old

    @property
    def skipped(self):
        return self.store.skipped()

    def missing(self):
        """The items still to fill, computed once per state of the answers and skips."""
        answers, skipped = self.answers, self.skipped
        cached = self._missing
        if cached is not None and cached[0] is answers and cached[1] == skipped:
            return list(cached[2])
        missing = self.form.missing(answers, skipped)
        self._missing = (answers, skipped, missing)
        return list(missing)

    def item(self, key):
        return self.form.by_key.get(key) if key else None

    @property
    def cursor(self):
        return self.item(self.fstate.get("cursor"))

    # -- entry points --------------------------------------------------------------
    def start(self, header):
        """Show the header, then ask the next missing field (or say all is done)."""
        missing = self.missing()
        done = len(self.form.asked) - len(missing)
        self.turn.reply(f"{header}（共 {len(self.form.asked)} 项，已填 {done} 项）。\n{COMMANDS_HINT}")
        self.ask_next()

    def handle(self):
        """Take one message or button press in the form; always replies."""
        turn = self.turn
        action = turn.incoming.action
        if action.startswith("form:"):
            return self._action(action[5:])
        text = (action or turn.incoming.text).strip()
        if turn.incoming.attachments and not text:
            key = self.fstate.get("cursor") or ""
            self.host.on_attachment(turn, self, key, turn.incoming.attachments)
            return True
        if self.fstate.get("pending"):
            pending = self.fstate.pop("pending")
            if text in YES and pending.get("confirm"):
                return self._action(pending["confirm"])
        if self.fstate.get("paste"):
            if text in ("全部添加", "确认", "添加", "是"):
                return self._paste_all()
            self.fstate.pop("paste")
            if text in ("取消", "不要", "算了"):
                self.turn.reply("已取消，粘贴的内容没有添加。")
                self._reask()
                return True
        return self._text(text)

    # -- text ------------------------------------------------------------------------
    def _text(self, text):
        word, _, args = text.partition(" ")
        args = args.strip()
        cursor = self.cursor
        row = self.fstate.get("row")
        if isinstance(cursor, Group) and not row:
            if self._group_command(cursor, text):
                return True
        if cursor is not None and cursor.kind == "longtext" and text in ("完成", "重写", "预览简介"):
            return self._narrative_command(cursor, text)
        extra = self.host.commands()
        if text in extra or word in extra:
            fn = extra.get(text) or extra[word]
            fn(self.turn, self, args if text not in extra else "")
            self._reask()
            return True
        simple = {"上一步": self.back, "跳过": self.skip, "进度": self.progress, "预览": self.preview,
                  "取消": self.cancel, "帮助": self.help, "提交": self.submit}
        if text in simple:
            simple[text]()
            if text == "进度":
                self._reask()
            return True
        if text in CONTINUE:
            if row:
                return self._row_keep()
            self.ask_next()
            return True
        if word in ("修改", "改") and args:
            self.edit(args)
            return True
        asked = cursor.field(row["field"]) if row and isinstance(cursor, Group) else cursor
        if asides.is_question(text, asked):
            self.help()
            return True
        command = asides.command(self.turn, text, asked)
        if command is not None:
            return self._run_command(*command)
        match = LABEL_VALUE.match(text)
        if match:
            label = match.group("label").strip()
            targets = self._resolve(label)
            if targets is not None:
                return self._labelled(targets, label, match.group("value").strip())
            near = [i for i in self.form.asked if len(i.label) >= 2 and i.label in label]
            if near:        # looks like a field's label, but not one of this form (e.g. another year)
                names = "、".join(i.qualified for i in near[:6])
                self.turn.reply(f"没有「{label}」这一项。您是指：{names}？请用完整的名称再发一次。")
                return True
        if cursor is None:
            if self.missing():
                self.ask_next()
                return True
            return False        # nothing is being asked: let the router take it (a command, a hint)
        if row:
            starting = row["index"] is None and not row["data"] and row["field"] == cursor.fields[0].key
            if starting and ("\n" in text.strip() or len(asides.cells(text, cursor)) > 1):
                self.fstate["row"] = None
                return self._group_text(cursor, text)
            return self._row_answer(cursor, row, text)
        if isinstance(cursor, Group):
            return self._group_text(cursor, text)
        if cursor.kind == "longtext":
            return self._narrative_append(cursor, text)
        return self._answer(cursor, text)

    # -- answering -------------------------------------------------------------------
    def _answer(self, item, text, *, then_next=True):
        try:
            value = item.parse(text, self.answers)
        except InvalidInput as exc:
            return self._refuse(exc, item=item)
        self._store_answer(item, value, then_next=then_next, note=kinds.note(item, text, value))
        return True

    def _refuse(self, exc, item=None, prefix=""):
        """Say why an answer was not taken; a near miss of a choice is asked back with buttons."""
        if not isinstance(exc, NearMiss):
            self.turn.reply(prefix + str(exc))
            return True
        # a top-level field is named in the action (it may not be the cursor); a row field is the row's
        confirm = f"set:{item.key}={exc.suggestion}" if item is not None else f"answer:{exc.suggestion}"
        self.fstate["pending"] = {"confirm": confirm}
        others = [o for o in exc.options if o != exc.suggestion] if len(exc.options) <= 6 else []
        action = confirm.split(":", 1)[0]
        buttons = [("是", f"form:{confirm}")] + [
            (o, f"form:set:{item.key}={o}" if action == "set" else f"form:answer:{o}") for o in others]
        hint = "" if others else "不是的话，请直接写出全称。"
        self.turn.reply(prefix + str(exc) + hint, buttons)
        return True

    def _conflict(self, item, value=None, skipped=None):
        """The cross-field rules the change would break, as one message (empty: none)."""
        values = dict(self.answers)
        if value is not None:
            values[item.key] = value
        found = self.form.violations(values, self.skipped if skipped is None else skipped, changed=item.key)
        return "\n".join(found)

    def _store_answer(self, item, value, *, then_next=True, note=""):
        conflict = self._conflict(item, value)
        if conflict:
            self.turn.reply(f"{conflict}\n{item.qualified}暂未保存，请重新填写，或先修改另一项。")
            return False
        old = self._save(item.key, value)
        self.store.set_skipped(item.key, False)
        shown = item.display(value)
        if old not in (None, "", []) and old != value:
            line = f"✓ {item.qualified}：{item.display(old)} → {shown}"
        else:
            line = f"✓ {item.qualified}：{shown}"
        extra = self.host.on_answer(self.turn, self, item, value)
        if extra:
            line += f"（{extra}）"
        if item.proof:
            line += "\n此项需提供证明材料，可直接发送照片或文件。"
        if note:
            line += "\n" + note
        self.turn.reply(line)
        if then_next:
            self.ask_next(after=item.key)
        return True

    def _labelled(self, targets, label, value):
        if len(targets) > 1:
            self.fstate["pending"] = {"value": value, "confirm": ""}
            buttons = [(t.qualified if not isinstance(t, tuple) else f"{t[0].label}{t[1].label}",
                        f"form:pick:{self._target_id(t)}") for t in targets]
            self.turn.reply(f"「{label}」有多处，您要填的是哪一项？", buttons)
            return True
        return self._apply_target(targets[0], value)

    def _apply_target(self, target, value):
        if isinstance(target, tuple):          # a field of the row being filled
            group, sub = target
            return self._row_answer(group, self.fstate["row"], value, field=sub)
        if isinstance(target, Group):
            self.fstate["cursor"], self.fstate["row"] = target.key, None
            self.turn.reply(f"{target.label}需要逐条添加。" + self._group_menu_text(target),
                            self._group_buttons(target))
            return True
        if target.kind == "longtext":
            self.fstate["cursor"] = target.key
            return self._narrative_append(target, value)
        try:
            parsed = target.parse(value, self.answers)
        except InvalidInput as exc:
            return self._refuse(exc, item=target, prefix=f"{target.qualified}：")
        if self._store_answer(target, parsed, then_next=False, note=kinds.note(target, value, parsed)):
            self._resume_line()
        return True

    def _resume_line(self):
        """After an out-of-order answer, say what comes next without losing the place.

        A repeating group being filled is named in one short line (its intro was shown when it
        was first asked): repeating the whole intro after every ✓ buries the answer."""
        cursor = self.cursor
        if self.fstate.get("row"):
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
        row = self.fstate.get("row")
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

    # -- navigation --------------------------------------------------------------------
    def ask_next(self, after=None):
        lead = self.host.lead(self.turn, self)
        if lead is not None:
            self.edit(lead)
            return
        missing = self.missing()
        self.fstate["row"] = None
        if not missing:
            self.fstate["cursor"] = None
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
        back = list(self.fstate.get("back", []))
        if self.fstate.get("cursor") and self.fstate.get("cursor") != key:
            back = (back + [self.fstate["cursor"]])[-30:]
        self.fstate["back"] = back
        self.fstate["cursor"], self.fstate["row"] = key, None
        self.fstate.pop("row_pick", None)
        number = self.form.number(item)
        if isinstance(item, Group):
            text, buttons = self._group_offer(item, self._group_menu_text(item), self._group_buttons(item))
            self.turn.reply(prefix + f"{lead} {number} 项 {item.label}：{item.question()}\n" + text, buttons)
            return
        if item.kind == "longtext":
            current = self.answers.get(key) or ""
            count = kinds.char_count(current)
            status = f"\n当前已有 {count} 字。" if count else ""
            self.turn.reply(prefix + f"{lead} {number} 项 {item.qualified}：{item.question()}{status}",
                            [("完成", "完成"), ("重写", "重写")] if count else [])
            return
        offer = self.host.offer(self.turn, self, item)
        text = prefix + f"{lead} {number} 项 {item.qualified}：{item.question()}"
        buttons = self._field_buttons(item)
        if offer is not None:
            value, reason = offer
            self.fstate["offer"] = {"key": key, "value": value}
            text += f"\n{reason}：{item.display(value)}。采用请点「采用」，或直接输入其他数值。"
            buttons = [("采用", "form:accept_offer")] + buttons
        self.turn.reply(text, buttons)

    def _group_offer(self, group, text, buttons):
        """The rows the host offers for a still empty ``group`` (listed, with [采用] first), if any."""
        if self._rows(group):
            return text, buttons
        offer = self.host.offer(self.turn, self, group)
        if offer is None or not offer[0]:
            return text, buttons
        rows, reason = offer
        self.fstate["offer"] = {"key": group.key, "value": rows}
        listed = "\n".join(f"{n}. {group.row_summary(r)}" for n, r in enumerate(rows, 1))
        text += (f"\n{reason}（{group.display(rows)}）：\n{listed}\n"
                 f"采用请点「采用」，或按上面的方式自己逐{group.unit}填写。")
        return text, [("采用", "form:accept_offer")] + buttons

    def _field_buttons(self, item):
        if isinstance(item, Group):
            return self._group_buttons(item)
        buttons = []
        if item.kind == "choice" and len(item.options) <= 6:
            buttons = [(o, f"form:answer:{o}") for o in item.options]
        elif item.kind == "gender":
            buttons = [("男", "form:answer:男"), ("女", "form:answer:女")]
        elif item.opts.get("today_button"):
            buttons = [("今天", "form:answer:今天")]
        if item.optional:
            buttons.append(("跳过", "跳过"))
        return buttons

    def back(self):
        back = list(self.fstate.get("back", []))
        if self.fstate.get("row"):
            self.fstate["row"] = None
            self.turn.reply("已放弃正在添加的这一条。")
            self.ask(self.cursor)
            return
        if not back:
            self.turn.reply("已经是第一项了。")
            if self.cursor:
                self.ask(self.cursor)
            return
        key = back.pop()
        self.fstate["back"] = back
        item = self.item(key)
        self.fstate["cursor"], self.fstate["row"] = key, None
        if isinstance(item, Group) or item.kind == "longtext":
            self.turn.reply(f"回到 {item.qualified}。")
            self.fstate["back"] = back
            self.fstate["cursor"] = None
            self.ask(item)
            self.fstate["back"] = back
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
        if not item.optional:
            self.turn.reply(f"「{item.qualified}」是必填项，不能跳过。{item.question()}")
            return
        conflict = self._conflict(item, skipped=self.skipped | {item.key})
        if conflict:
            self.turn.reply(f"{conflict}\n所以{item.qualified}暂不能跳过。")
            return
        self.store.set_skipped(item.key, True)
        self._answers = None
        self.turn.reply(f"已跳过 {item.qualified}。")
        self.ask_next(after=item.key)

    def edit(self, label):
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
        self.fstate["back"] = (list(self.fstate.get("back", [])) + [self.fstate["cursor"]])[-30:] \
            if self.fstate.get("cursor") and self.fstate["cursor"] != item.key else self.fstate.get("back", [])
        self.fstate["cursor"], self.fstate["row"] = item.key, None
        current = self.answers.get(item.key)
        if isinstance(item, Group):
            text, buttons = self._group_offer(item, self._group_menu_text(item) + "\n" + item.row_hint(),
                                              self._group_buttons(item))
            self.turn.reply(f"{item.label}：" + text, buttons)
            return
        if item.kind == "longtext":
            self.turn.reply(f"{item.qualified}当前 {kinds.char_count(current)} 字。继续发送会接在后面；"
                            "说「重写」清空重来，说「完成」结束。", [("完成", "完成"), ("重写", "重写")])
            return
        if current in (None, ""):
            text, buttons = f"{item.qualified}还没有填写。{item.question()}", self._field_buttons(item)
            offer = self.host.offer(self.turn, self, item)
            if offer is not None:
                self.fstate["offer"] = {"key": item.key, "value": offer[0]}
                text += f"\n{offer[1]}：{item.display(offer[0])}。采用请点「采用」，或直接输入其他数值。"
                buttons = [("采用", "form:accept_offer")] + buttons
            self.turn.reply(text, buttons)
        else:
            self.turn.reply(f"{item.qualified}当前为 {item.display(current)}。请输入新的值：",
                            self._field_buttons(item))

    def progress(self):
        missing = self.missing()
        total = len(self.form.asked)
        done = total - len(missing)
        if not missing:
            self.turn.reply(f"已填 {done}/{total} 项，全部完成。", [("预览", "预览"),
                            (self.host.submit_label(), self.host.submit_label())])
            return
        self.turn.reply(f"已填 {done}/{total} 项。还差：{self.missing_text(missing)}。",
                        [("继续填写", "form:continue")])

    def missing_text(self, missing=None, limit=12):
        names = []
        for item in missing if missing is not None else self.missing():
            if item.kind == "longtext":
                short = item.opts.get("min_chars", 0) - kinds.char_count(self.answers.get(item.key))
                names.append(f"{item.qualified}（差 {short} 字）")
            elif isinstance(item, Group) and item.min_rows:
                names.append(f"{item.label}（至少 {item.min_rows} {item.unit}）")
            else:
                names.append(item.qualified)
        more = f" 等 {len(names)} 项" if len(names) > limit else ""
        return "、".join(names[:limit]) + more

    def preview(self):
        values = self.form.complete_values(self.answers)
        skipped = self.skipped
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
                lines.append(f"{item.label}：{item.display(value)}")
        extra = self.host.preview_extra(self.turn, self)
        if extra:
            lines.append(extra)
        missing = self.missing()
        if missing:
            lines.append(f"还差 {len(missing)} 项：{self.missing_text(missing)}")
        self.turn.reply("\n".join(lines), [("继续填写", "form:continue")] if missing else
                        [(self.host.submit_label(), self.host.submit_label())])

    def help(self):
        """Help for the field being asked, then the same question again."""
        item = self.cursor
        if item is None:
            self.turn.reply(COMMANDS_HINT)
            return
        star = "（带 * 项，需提供证明材料）" if item.proof else ""
        optional = "选填，可说「跳过」。" if item.optional else "必填。"
        extra = "、".join(self.host.commands())
        row = self.fstate.get("row")
        about = f"{item.qualified}{star}：{optional}"
        if row and isinstance(item, Group):
            about = f"{item.label}·{item.field(row['field']).label}：{item.field(row['field']).question()}"
        elif isinstance(item, Group):
            about = f"{item.label}{star}：{item.question()}"
        self.turn.reply(f"{about}\n{COMMANDS_HINT}" + (f"\n还可以说：{extra}。" if extra else ""))
        self._reask()

    def _reask(self):
        """After an aside (a question, a command), ask the current field again."""
        cursor = self.cursor
        if cursor is None or self.turn.state.get("flow") != "form":
            return
        if self.fstate.get("row"):
            self._ask_row_field()
        elif isinstance(cursor, Group):
            self.turn.reply(f"继续填写{cursor.label}：" + self._group_menu_text(cursor) + self._next_row_hint(cursor),
                            self._group_buttons(cursor))
        else:
            self.ask(cursor, lead="继续第")

    def _run_command(self, cmd, args):
        """A command word typed inside the form: its normal answer, then the field again."""
        turn = self.turn
        before = turn.state.get("form")
        try:
            turn.bot.router.run_command(cmd, turn, args)
        except UserError as exc:            # shown as written, as the router's boundary would
            turn.reply(str(exc))
        if turn.state.get("flow") != "form" or turn.state.get("form") is not before:
            # the command opened another task: its position stands, ours is already saved
            if turn.state.get("flow") == "form":
                self.fstate.clear()
                self.fstate.update(turn.state["form"])
            return True
        self._reask()
        return True

    def cancel(self):
        self.fstate["pending"] = {"confirm": "confirm_cancel"}
        self.turn.reply("确定退出填写吗？已填写的内容都已保存，随时可以继续。",
                        [("确认退出", "form:confirm_cancel"), ("继续填写", "form:continue")])

    def submit(self):
        missing = self.missing()
        if missing:
            self.turn.reply(f"还有 {len(missing)} 项未完成，暂不能{self.host.submit_label()}："
                            f"{self.missing_text(missing)}。", [("继续填写", "form:continue")])
            return
        if self._cross_problems():
            return
        refusal, note = self.host.submit_check(self.turn, self)
        if refusal:
            self.turn.reply(refusal[0], refusal[1])
            return
        self.preview()
        self.fstate["pending"] = {"confirm": "confirm_submit"}
        question = f"请核对以上内容，确认{self.host.submit_label()}吗？"
        if note:
            question = f"{note}\n{question}"
        self.turn.reply(question,
                        [(f"确认{self.host.submit_label()}", "form:confirm_submit"), ("再看看", "form:continue")])

    def _cross_problems(self):
        """Say what contradicts what, if anything (the submit check); True when something does."""
        problems = self.form.violations(self.answers, self.skipped, final=True)
        if problems:
            listed = "\n".join(f"{n}. {p}" for n, p in enumerate(problems, 1))
            self.turn.reply(f"以下内容前后不一致，暂不能{self.host.submit_label()}：\n{listed}",
                            [("继续填写", "form:continue")])
        return bool(problems)

    # -- actions (buttons) -------------------------------------------------------------
    def _action(self, action):
        name, _, arg = action.partition(":")
        if name == "answer":
            item = self.cursor
            if self.fstate.get("row"):
                return self._row_answer(item, self.fstate["row"], arg)
            if item is None or isinstance(item, Group):
                self.ask_next()
                return True
            return self._answer(item, arg)
        if name == "set":
            key, _, value = arg.partition("=")
            item = self.item(key)
            if item is None or isinstance(item, Group):
                self.ask_next()
                return True
            if item is self.cursor and not self.fstate.get("row"):
                return self._answer(item, value)
            return self._apply_target(item, value)
        if name == "paste_all":
            return self._paste_all()
        if name == "paste_cancel":
            self.fstate.pop("paste", None)
            self.turn.reply("已取消，粘贴的内容没有添加。")
            self._reask()
            return True
        if name == "row_field":
            group = self.cursor
            if not isinstance(group, Group):
                self.ask_next()
                return True
            return self._pick_row_field(group, arg)
        if name == "continue":
            if self.fstate.get("row"):
                return self._row_keep()
            self.ask_next()
            return True
        if name == "accept_offer":
            offer = self.fstate.pop("offer", None)
            item = self.item(offer["key"]) if offer else None
            if item is None:
                self.ask_next()
                return True
            self._store_answer(item, offer["value"])
            return True
        if name == "pick":
            pending = self.fstate.pop("pending", None) or {}
            if "value" not in pending:
                self.turn.reply("这个选择已过期，请重新输入。")
                return True
            if "/" in arg:
                group_key, sub_key = arg.split("/", 1)
                group = self.item(group_key)
                if not self.fstate.get("row") or self.fstate.get("cursor") != group_key:
                    # start a new row of that group with this value filled in
                    self.fstate["cursor"] = group_key
                    self.fstate["row"] = {"index": None, "field": group.fields[0].key, "data": {}}
                return self._apply_target((group, group.field(sub_key)), pending["value"])
            target = self.item(arg)
            return self._apply_target(target, pending["value"]) if target else True
        if name == "confirm_cancel":
            self.turn.state.pop("flow", None)
            self.turn.state.pop("form", None)
            self.turn.reply("已退出填写，内容已保存为草稿。发送「申报」可随时继续。")
            return True
        if name == "confirm_submit":
            if self.missing() or self.form.violations(self.answers, self.skipped, final=True):
                self.submit()
                return True
            self.host.submit(self.turn, self)
            return True
        if name in ("add", "list", "finish"):
            group = self.cursor
            if not isinstance(group, Group):
                self.ask_next()
                return True
            return self._group_command(group, {"add": "添加", "list": "查看列表", "finish": "完成"}[name])
        if name in ("edit_row", "del_row"):
            group = self.cursor
            if not isinstance(group, Group):
                self.ask_next()
                return True
            return self._group_command(group, ("修改第" if name == "edit_row" else "删除第") + arg)
        self.turn.reply("这个按钮已失效。")
        self.ask_next()
        return True

    # -- the narrative -------------------------------------------------------------------
    def _narrative_append(self, item, text):
        current = self.answers.get(item.key) or ""
        new = (current + "\n" + text) if current else text
        if kinds.char_count(new) > item.opts.get("max_chars", 20000):
            self.turn.reply("简介已超过 20000 字，请精简后用「重写」重新发送。")
            return True
        self._save(item.key, new)
        count, need = kinds.char_count(new), item.opts.get("min_chars", 0)
        if count < need:
            self.turn.reply(f"已收到，共 {count} 字，还差 {need - count} 字。")
        else:
            self.turn.reply(f"已收到，共 {count} 字，已达到要求。继续补充，或说「完成」。",
                            [("完成", "完成"), ("预览简介", "预览简介"), ("重写", "重写")])
        return True

    def _narrative_command(self, item, text):
        current = self.answers.get(item.key) or ""
        count, need = kinds.char_count(current), item.opts.get("min_chars", 0)
        if text == "重写":
            self._save(item.key, None)
            self.turn.reply(f"已清空{item.qualified}，请重新发送（不少于 {need} 字）。")
            return True
        if text == "预览简介":
            self.turn.reply(f"{item.qualified}（{count} 字）：\n{current or '（空）'}")
            return True
        if count < need:
            self.turn.reply(f"{item.qualified}共 {count} 字，还差 {need - count} 字，暂记为未完成，可以稍后继续补充。")
            later = [i for i in self.missing() if i.key != item.key]
            if later:
                self.ask(later[0])
            return True
        self.turn.reply(f"✓ {item.qualified}：{count} 字。")
        self.ask_next(after=item.key)
        return True
