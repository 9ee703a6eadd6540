"""The walker's repeating groups: rows added one field at a time, in one line, or pasted as a table.

A mixin of ``Walker``: it keeps its place in the position (``row`` is the row being filled,
``paste`` the rows of a pasted table waiting for 全部添加, ``row_pick`` the row whose field is to
be chosen), reads rows from text with the pure functions of bot/forms/rows.py, and stores rows
through ``self._save``. Rows are checked against the form's cross-field rules before they are
stored, and a new row before its first field (one more core member than 成员总数 allows is said at
once); a row or a pasted table a rule refuses is held, not dropped (bot/forms/keeping.py). Uses of
the walker: ``answers``, ``skipped``, ``_save``, ``store``, ``form``, ``host``, ``cursor``, ``item``,
``_go_on``, ``_hold``, ``_others``, ``_mark_return``, ``_refuse``, ``_field_buttons``, ``_reask``.
"""
import re

from bot.errors import InvalidInput
from bot.forms import corrections, rows as rowtext
from bot.forms.schema import Group
from bot.forms.position import act

ROW_COMMAND = re.compile(r"^(修改|删除)\s*第?\s*(\d+)\s*(位|项|条|行|人)?\s*(?P<rest>.*)$", re.S)
ADD_WORDS = ("添加", "添加一位", "添加一人", "添加一项", "添加一条", "下一位", "下一条", "再加一位")
LIST_WORDS = ("查看列表", "列表", "查看")
FINISH_WORDS = ("完成", "完成列表", "好了", "没有了", "就这些")


class GroupMixin:
    # -- menus -----------------------------------------------------------------------------
    def _rows(self, group):
        return list(self.answers.get(group.key) or [])

    def _group_menu_text(self, group):
        rows = self._rows(group)
        need = f"（至少 {group.min_rows} {group.unit}）" if len(rows) < group.min_rows else ""
        return f"已添加 {len(rows)} {group.unit}{need}。"

    def _group_buttons(self, group):
        rows = self._rows(group)
        buttons = [(f"添加一{group.unit}", act("add"))]
        if rows:
            buttons.append(("查看列表", act("list")))
        buttons.append((f"完成{group.label}", act("finish")))
        return buttons

    def _row_buttons(self, group, n):
        return [(f"添加一{group.unit}", act("add")), (f"修改第 {n} {group.unit}", act("edit_row", n)),
                (f"删除第 {n} {group.unit}", act("del_row", n)), ("查看列表", act("list")),
                (f"完成{group.label}", act("finish"))]

    def _group_reminder(self, group):
        """One line saying the form still sits in ``group`` (after an answer to another field)."""
        rows = self._rows(group)
        added = f"已添加 {len(rows)} {group.unit}，" if rows else ""
        return (f"接下来：第 {self.form.number(group)} 项 {group.label}"
                f"（{added}可一行写一{group.unit}，写完发送「完成」）")

    def _next_row_hint(self, group):
        return f"下一{group.unit}直接发送（一行写完），或发送「完成」。"

    def _group_offer(self, group, text, buttons):
        """The rows the host offers for a still empty ``group`` (listed, with [采用] first), if any."""
        if self._rows(group):
            return text, buttons
        offer = self.host.offer(self.turn, self, group)
        if offer is None or not offer[0]:
            return text, buttons
        rows, reason = offer
        self.position["offer"] = {"key": group.key, "value": rows}
        listed = "\n".join(f"{n}. {group.row_summary(r)}" for n, r in enumerate(rows, 1))
        text += (f"\n{reason}（{group.display(rows)}）：\n{listed}\n"
                 f"采用请点「采用」，或按上面的方式自己逐{group.unit}填写。")
        return text, [("采用", act("accept_offer"))] + buttons

    # -- buttons ---------------------------------------------------------------------------
    def _group_action(self, name, arg):
        """A group's button (form:add, form:edit_row:2, form:paste_all …): True when handled,
        None when ``name`` is no group action."""
        if name == "paste_all":
            return self._paste_all()
        if name == "paste_cancel":
            self._paste_cancelled()
            return True
        if name not in ("add", "list", "finish", "edit_row", "del_row", "row_field"):
            return None
        group = self.cursor
        if not isinstance(group, Group):
            self.ask_next()
            return True
        if name == "row_field":
            return self._pick_row_field(group, arg)
        if name in ("edit_row", "del_row"):
            return self._group_command(group, ("修改第" if name == "edit_row" else "删除第") + arg)
        return self._group_command(group, {"add": "添加", "list": "查看列表", "finish": "完成"}[name])

    def _paste_reply(self, text):
        """The message after a pasted table was shown: True when it confirmed or cancelled it,
        None when it is something else (the pasted rows are then dropped, unless the message goes to
        correct another field first: then they wait, bot/forms/keeping.py)."""
        if text in ("全部添加", "确认", "添加", "是"):
            return self._paste_all()
        said = corrections.read(text)
        if text.startswith(("修改", "改")) or (said is not None and said[0] in ("set", "edit")):
            self._mark_return()
        self.position.pop("paste")
        if text in ("取消", "不要", "算了"):
            self._paste_cancelled()
            return True
        return None

    def _paste_cancelled(self):
        self.position.pop("paste", None)
        self.turn.reply("已取消，粘贴的内容没有添加。")
        self._reask()

    # -- commands --------------------------------------------------------------------------
    def _group_command(self, group, text):
        rows = self._rows(group)
        if text in ADD_WORDS or text == f"添加一{group.unit}":
            if len(rows) >= group.max_rows:
                self.turn.reply(f"最多添加 {group.max_rows} {group.unit}。")
                return True
            return self._start_row(group)
        if text in LIST_WORDS:
            if not rows:
                self.turn.reply(f"{group.label}还是空的。", self._group_buttons(group))
            else:
                lines = [f"{group.label}（{len(rows)} {group.unit}）："]
                lines += [f"{n}. {group.row_summary(r)}" for n, r in enumerate(rows, 1)]
                self.turn.reply("\n".join(lines) + f"\n可以说「修改第N{group.unit} 字段 新值」"
                                f"（例如 修改第1{group.unit} {group.fields[-1].label} "
                                f"{group.fields[-1].example or '…'}）或「删除第N{group.unit}」。",
                                self._group_buttons(group))
            return True
        if text in FINISH_WORDS or text == f"完成{group.label}":
            if len(rows) < group.min_rows:
                self.turn.reply(f"{group.label}至少需要 {group.min_rows} {group.unit}，目前 {len(rows)} {group.unit}。",
                                self._group_buttons(group))
                return True
            if not rows:
                self._save(group.key, [])
                self.store.set_skipped(group.key, True)
            self.turn.reply(f"✓ {group.label}：共 {len(rows)} {group.unit}。")
            self._go_on(after=group.key)
            return True
        match = ROW_COMMAND.match(text)
        if match:
            return self._row_command(group, rows, match)
        return False

    def _row_command(self, group, rows, match):
        n, rest = int(match.group(2)), match.group("rest").strip()
        if not 1 <= n <= len(rows):
            self.turn.reply(f"没有第 {n} {group.unit}，目前共 {len(rows)} {group.unit}。", self._group_buttons(group))
            return True
        if match.group(1) == "删除":
            if rest:
                return False
            removed = rows.pop(n - 1)
            self._save(group.key, rows)
            self.turn.reply(f"已删除第 {n} {group.unit}：{group.row_summary(removed)}。" + self._group_menu_text(group),
                            self._group_buttons(group))
            return True
        if rest:
            return self._edit_row_text(group, n - 1, rest)
        self.position["row_pick"] = n - 1
        self.turn.reply(f"第 {n} {group.unit}：{group.row_summary(rows[n - 1])}。\n要改哪一项？直接发送"
                        f"「{group.fields[-1].label} 新内容」，或点下面的字段；也可以发送整行替换。",
                        [(f.label, act("row_field", f"{n}:{f.key}")) for f in group.fields])
        return True

    def _edit_row_text(self, group, index, text):
        """``学历 硕士研究生`` / ``学历：硕士研究生`` for one field of row ``index``, or a whole row."""
        self.position.pop("row_pick", None)
        for field in sorted(group.fields, key=lambda f: -len(f.label)):
            if text.startswith(field.label):
                value = text[len(field.label):].strip(" :：\t")
                row = {"index": index, "field": field.key, "data": dict(self._rows(group)[index]), "single": True}
                self.position["row"] = row
                if not value:
                    self._ask_row_field()
                    return True
                return self._row_answer(group, row, value, field=field)
        cells = rowtext.split_cells(text, group)
        if len(cells) == len(group.fields):
            return self._row_line(group, text, index=index)
        labels = "、".join(f.label for f in group.fields)
        self.turn.reply(f"没有看懂要改哪一项。请写「字段 新内容」，字段可以是：{labels}；"
                        f"例如「修改第{index + 1}{group.unit} {group.fields[-1].label} {group.fields[-1].example or '…'}」。")
        return True

    def _pick_row_field(self, group, arg):
        n, _, key = arg.partition(":")
        rows = self._rows(group)
        if not n.isdigit() or not 1 <= int(n) <= len(rows) or key not in {f.key for f in group.fields}:
            self.turn.reply("这个按钮已失效。", self._group_buttons(group))
            return True
        self.position.pop("row_pick", None)
        self.position["row"] = {"index": int(n) - 1, "field": key, "data": dict(rows[int(n) - 1]), "single": True}
        self._ask_row_field()
        return True

    # -- text for a group: a row, a table, or the first field ------------------------------------
    def _group_text(self, group, text):
        pick = self.position.get("row_pick")
        if pick is not None and pick < len(self._rows(group)):
            return self._edit_row_text(group, pick, text)
        if len(rowtext.lines_of(text)) > 1:
            return self._paste(group, text)
        return self._row_line(group, text)

    def _row_text(self, group, row, text):
        """Text while ``row`` is being filled: the asked field's value, or, before the row's first
        answer, a whole row in a line or a pasted table."""
        starting = row["index"] is None and not row["data"] and row["field"] == group.fields[0].key
        if starting and ("\n" in text.strip() or len(rowtext.split_cells(text, group)) > 1):
            self.position["row"] = None
            return self._group_text(group, text)
        return self._row_answer(group, row, text)

    def _row_line(self, group, text, index=None):
        """One row typed in a line; what is missing or wrong is asked field by field."""
        rows = self._rows(group)
        if index is None and len(rows) >= group.max_rows:
            self.turn.reply(f"最多添加 {group.max_rows} {group.unit}。")
            return True
        cells = rowtext.split_cells(text, group)
        if len(cells) <= 1 and index is None:      # just the first field: ask the others one by one
            if self._new_row_blocked(group, {"first": text}):
                return True
            row = {"index": None, "field": group.fields[0].key, "data": {}}
            self.position["row"] = row
            return self._row_answer(group, row, text)
        parsed = rowtext.parse_row(cells, group, self.answers, self.today)
        if "" in parsed.errors:
            self.turn.reply(f"{parsed.errors[''].args[0]}\n{group.question()}")
            return True
        data = dict(rows[index]) if index is not None else {}
        data.update(parsed.data)
        if parsed.complete(group) or (index is not None and not parsed.errors):
            return self._save_row(group, {"index": index, "data": data})
        wrong = [f for f in group.fields if f.key in parsed.errors]
        first = wrong[0] if wrong else next(f for f in group.fields if f.key not in data)
        row = {"index": index, "field": first.key, "data": data}
        self.position["row"] = row
        understood = rowtext.summary(group, data)
        lead = f"已识别：{understood}。" if understood else ""
        if wrong:
            return self._refuse(parsed.errors[first.key], prefix=f"{lead}\n{first.label}：")
        self.turn.reply(lead)
        self._ask_row_field()
        return True

    def _paste(self, group, text):
        parsed = rowtext.parse_table(text, group, self.answers, self.today)
        good = [p.data for p in parsed if p.complete(group)]
        start = len(self._rows(group)) + 1
        lines, n = [f"识别到 {len(parsed)} 行："], start
        for number, p in enumerate(parsed, 1):
            if p.complete(group):
                lines.append(f"{n}. {rowtext.summary(group, p.data, '｜')}")
                n += 1
            else:
                reasons = [f"{(group.field(k).label + '：') if k else ''}{e}" for k, e in p.errors.items()]
                missing = [f.label for f in group.fields if f.key not in p.data and f.key not in p.errors]
                if missing:
                    reasons.append("缺少 " + "、".join(missing))
                lines.append(f"✗ 粘贴的第 {number} 行（{' '.join(p.cells)}）：{'；'.join(reasons)}")
        if not good:
            self.turn.reply("\n".join(lines) + f"\n没有可以添加的{group.unit}。" + group.question())
            return True
        if len(good) < len(parsed):
            lines.append("标 ✗ 的行不会添加，可以改好后再单独发送。")
        conflict = self._row_conflicts(group, self._rows(group) + good)
        if conflict:
            lines.append(conflict)
        self.position["paste"] = {"group": group.key, "rows": good}
        self.turn.reply("\n".join(lines) + f"\n确认添加这 {len(good)} {group.unit}吗？",
                        [("全部添加", act("paste_all")), ("取消", act("paste_cancel"))])
        return True

    def _paste_all(self):
        paste = self.position.pop("paste", None)
        group = self.item(paste["group"]) if paste else None
        if not isinstance(group, Group):
            self.turn.reply("没有待添加的内容。")
            self.ask_next()
            return True
        self.position["cursor"] = group.key
        rows = self._rows(group) + paste["rows"]
        messages, others = self._others(group.key, rows=rows)
        if messages:
            self.position["paste"] = paste
            self._hold(messages, others, {"key": group.key, "paste": True},
                       kept=f"粘贴的 {len(paste['rows'])} {group.unit}已记下，暂未添加。")
            return True
        self._save(group.key, rows)
        self.store.set_skipped(group.key, False)
        self.turn.reply(f"✓ 已添加 {len(paste['rows'])} {group.unit}，{group.label}共 {len(rows)} {group.unit}。"
                        + self._next_row_hint(group), self._group_buttons(group))
        return True

    def _paste_ask(self, group, lead=""):
        """The pasted rows waiting for 全部添加, asked again (after a correction made elsewhere)."""
        paste = self.position.get("paste") or {}
        rows = paste.get("rows") or []
        listed = "\n".join(f"{n}. {rowtext.summary(group, r, '｜')}" for n, r in
                           enumerate(rows, len(self._rows(group)) + 1))
        self.turn.reply(f"{lead}确认添加这 {len(rows)} {group.unit}吗？\n{listed}",
                        [("全部添加", act("paste_all")), ("取消", act("paste_cancel"))])
        return True

    # -- a new row: checked against the rules before its first field ----------------------------------
    def _new_row_blocked(self, group, held=None):
        """Would one more row break a rule (more core members than 成员总数 allows)? Then it is said
        before the row's first field, with the way out; True when blocked."""
        rows = self._rows(group)
        messages, others = self._others(group.key, rows=rows + [{}])
        if not messages:
            return False
        n = len(rows) + 1
        self.position["row"] = None
        self._hold([f"要添加第 {n} {group.unit}，但" + messages[0]] + messages[1:], others,
                   dict({"key": group.key, "add": True}, **(held or {})),
                   kept=f"第 {n} {group.unit}还没有开始填写，已填的内容都在。")
        return True

    def _start_row(self, group, first=None):
        """添加一位: a new row, its first field asked (or answered with ``first``, typed before)."""
        if self._new_row_blocked(group, {"first": first} if first else None):
            return True
        row = {"index": None, "field": group.fields[0].key, "data": {}}
        self.position["row"] = row
        if first:
            return self._row_answer(group, row, first)
        self._ask_row_field()
        return True

    # -- one field at a time -----------------------------------------------------------------
    def _ask_row_field(self):
        group = self.cursor
        row = self.position["row"]
        field = group.field(row["field"])
        number = (row["index"] + 1) if row["index"] is not None else len(self._rows(group)) + 1
        current = row["data"].get(field.key)
        keep = f"（当前 {field.display(current)}）" if current not in (None, "") else ""
        self.turn.reply(f"第 {number} {group.unit} {field.label}{keep}：{field.question()}",
                        self._field_buttons(field))

    def _row_answer(self, group, row, text, field=None):
        field = field or group.field(row["field"])
        try:
            value = field.parse(text, self.answers, self.today)
        except InvalidInput as exc:
            self.position["row"] = dict(row, field=field.key)     # the field asked again is the wrong one
            return self._refuse(exc)
        data = dict(row["data"])
        data[field.key] = value
        row = dict(row, data=data)
        self.position["row"] = row
        return self._row_advance(group, row, field)

    def _row_keep(self):
        group, row = self.cursor, self.position["row"]
        field = group.field(row["field"])
        if row["data"].get(field.key) in (None, ""):
            self.turn.reply(f"{field.label}还没有填写。{field.question()}")
            return True
        return self._row_advance(group, row, field)

    def _row_advance(self, group, row, field):
        keys = [f.key for f in group.fields]
        remaining = [] if row.get("single") else \
            [k for k in keys[keys.index(field.key) + 1:] if row["index"] is not None or row["data"].get(k) in (None, "")]
        if not remaining:
            remaining = [k for k in keys if row["data"].get(k) in (None, "")]
        if remaining:
            self.position["row"] = dict(row, field=remaining[0])
            self._ask_row_field()
            return True
        return self._save_row(group, row, changed=field if row.get("single") else None)

    def _save_row(self, group, row, changed=None):
        rows = self._rows(group)
        index = row["index"]
        old = rows[index] if index is not None else None
        if index is None:
            rows.append(row["data"])
        else:
            rows[index] = row["data"]
        messages, others = self._others(group.key, rows=rows)
        if messages:
            self.position["row"] = None
            self._hold(messages, others, {"key": group.key, "row": {"index": index, "data": row["data"]}},
                       kept=f"这一{group.unit}（{group.row_summary(row['data'])}）已记下，暂未保存。")
            return True
        n = index + 1 if index is not None else len(rows)
        self._save(group.key, rows)
        self.store.set_skipped(group.key, False)
        self.position["row"] = None
        if changed is not None:
            before = changed.display(old.get(changed.key)) if old else "（未填）"
            line = f"✓ 第 {n} {group.unit} {changed.label}：{before} → {changed.display(row['data'][changed.key])}。"
        else:
            verb = "添加" if index is None else "修改"
            line = f"✓ 已{verb}第 {n} {group.unit}：{group.row_summary(row['data'])}。"
        self.turn.reply(line + self._next_row_hint(group), self._row_buttons(group, n))
        return True

    def _row_conflicts(self, group, rows):
        values = dict(self.answers, **{group.key: rows})
        found = self.form.violations(values, self.skipped, changed=group.key)
        return "\n".join(found)
