"""The walker's long text (a narrative): sent in parts, kept as parts, and nothing but the user's text in it.

A mixin of ``Walker``. The limits are the field's own declaration (``min_chars``, ``max_chars``
in bot/forms/schema.py) and every message names the field by its schema names, so nothing here
knows which form it is in. The stored value is one string; its parts (段) are its lines
(bot/forms/parts.py), listed with 「简介 列表」, replaced (「替换第1段 …」), deleted (「删除第2段」) and
moved (「第3段移到第1段」) one by one. A question about the text (「业绩简介要写哪些内容？」) is answered
with the field's outline (``opts["outline"]``), a remark (「我先发一部分」) is acknowledged, and a short
line that may be either is asked about (「这句要写进业绩简介吗？」): none of them is stored as text.
「生成草稿」 asks the host for a draft (``Host.draft``); it is shown and stored only when accepted.
Besides those, three words are commands: 完成, 重写 and 预览<the field's short name> (预览简介).
Uses of the walker: ``answers``, ``_save``, ``missing``, ``ask``, ``_go_on``, ``host``, ``position``, ``turn``.
"""
from bot.forms import asides, kinds, parts as parts_mod
from bot.forms.position import act

FINISH, REWRITE, DRAFT = "完成", "重写", "生成草稿"
DRAFT_WORDS = (DRAFT, "草稿", "帮我写", "帮我生成草稿", "生成一份草稿", "写个草稿")


def preview_word(item):
    return f"预览{item.short}"


def list_word(item):
    return f"{item.short} 列表"


def words(item):
    """The command words inside a long text field."""
    return (FINISH, REWRITE, preview_word(item)) + DRAFT_WORDS


def outline(item):
    """What to write in the field (its declared outline), or its help."""
    return item.opts.get("outline") or item.help


class LongTextMixin:
    def _longtext_count(self, item):
        return kinds.char_count(self.answers.get(item.key))

    def _parts(self, item):
        return parts_mod.split(self.answers.get(item.key))

    def _longtext_buttons(self, item, count=None):
        count = self._longtext_count(item) if count is None else count
        if not count:
            return [(DRAFT, DRAFT)]
        return [(FINISH, FINISH), (preview_word(item), preview_word(item)), (list_word(item), list_word(item)),
                (REWRITE, REWRITE)]

    def _ask_longtext(self, item, text):
        """``text`` is the question's line; the count so far and the buttons are added."""
        count = self._longtext_count(item)
        status = (f"\n当前已有 {count} 字（{len(self._parts(item))} 段）。" if count else
                  f"\n不知道写什么，可以说「帮助」看提纲，或发送「{DRAFT}」，我根据申报表和台账拼一份草稿给您改。")
        self.turn.reply(text + status, self._longtext_buttons(item, count))

    def _edit_longtext(self, item):
        self.turn.reply(f"{item.qualified}当前 {self._longtext_count(item)} 字（{len(self._parts(item))} 段）。"
                        f"继续发送会接在后面；「{list_word(item)}」查看各段，「替换第1段 …」「删除第2段」逐段修改，"
                        f"「{REWRITE}」清空重来，「{FINISH}」结束。", self._longtext_buttons(item))

    def _longtext_missing(self, item):
        """How the field is named in a list of what is missing: with the characters still needed."""
        return f"{item.qualified}（差 {item.min_chars - self._longtext_count(item)} 字）"

    def _longtext_saved(self, item, new, said):
        """Store the whole text ``new`` and say the count (``said``: what was done)."""
        if kinds.char_count(new) > item.max_chars:
            self.turn.reply(f"{item.short}已超过 {item.max_chars} 字，请精简后用「{REWRITE}」重新发送。"
                            f"也可以用「替换第1段 …」「删除第2段」逐段精简。")
            return True
        self._save(item.key, new or None)
        count, need = kinds.char_count(new), item.min_chars
        if count < need:
            self.turn.reply(f"{said}共 {count} 字，还差 {need - count} 字。", self._longtext_buttons(item, count))
        else:
            self.turn.reply(f"{said}共 {count} 字，已达到要求。继续补充，或说「{FINISH}」。",
                            self._longtext_buttons(item, count))
        return True

    def _longtext_append(self, item, text):
        current = self.answers.get(item.key) or ""
        new = parts_mod.join(parts_mod.split(current) + parts_mod.split(text))
        return self._longtext_saved(item, new, "已收到，")

    # -- what a message at the field is ---------------------------------------------------------------
    def _longtext_text(self, item, text):
        """A message at the long text: a parts command, a draft, a question or a remark (not stored),
        a line that may be either (asked about), or the text itself (appended)."""
        if text in DRAFT_WORDS:
            return self._draft(item)
        command = parts_mod.command(text, item)
        if command is not None:
            return self._parts_command(item, command)
        kind = asides.about_longtext(text, item)
        if kind == "question":
            self.turn.reply(f"{outline(item)}\n需要的话，发送「{DRAFT}」，我根据申报表和台账"
                            f"拼一份草稿供您修改（不会直接记入）。这句问话没有记入{item.short}。",
                            self._longtext_buttons(item))
            return True
        if kind == "remark":
            count = self._longtext_count(item)
            self.turn.reply(f"好的，请直接发送{item.short}的内容，可以分几条发。这句话没有记入{item.short}"
                            f"（当前 {count} 字）。", self._longtext_buttons(item, count))
            return True
        if kind == "unsure":
            self.position["aside"] = text
            self.turn.reply(f"“{text.strip()}”这句要写进{item.short}吗？",
                            [("是", act("aside_keep")), ("不用", act("aside_drop"))])
            return True
        return self._longtext_append(item, text)

    def _aside_answer(self, keep):
        """[写进简介] / [不用] after a short line at the long text."""
        text = self.position.pop("aside", None)
        item = self.cursor
        if item is None or item.kind != "longtext" or text is None:
            self.turn.reply("这个按钮已失效。")
            self._reask()
            return True
        if keep:
            return self._longtext_append(item, text)
        self.turn.reply(f"好的，这句没有记入{item.short}。", self._longtext_buttons(item))
        return True

    # -- parts -------------------------------------------------------------------------------------
    def _parts_command(self, item, command):
        parts = self._parts(item)
        verb = command[0]
        if verb == "list":
            if not parts:
                self.turn.reply(f"{item.short}还是空的。", self._longtext_buttons(item))
                return True
            lines = parts_mod.listing(parts)
            self.turn.reply("\n".join(lines) + f"\n共 {self._longtext_count(item)} 字。可发送「删除第2段」"
                            "「替换第1段 新的内容」「第3段移到第1段」。", self._longtext_buttons(item))
            return True
        n = command[1]
        if not 1 <= n <= len(parts):
            self.turn.reply(f"没有第 {n} 段，{item.short}目前共 {len(parts)} 段。发送「{list_word(item)}」查看。")
            return True
        if verb == "delete":
            removed = parts.pop(n - 1)
            head = removed[:12] + ("…" if len(removed) > 12 else "")
            return self._longtext_saved(item, parts_mod.join(parts), f"已删除第 {n} 段（{head}），")
        if verb == "replace":
            new = parts[:n - 1] + parts_mod.split(command[2]) + parts[n:]
            return self._longtext_saved(item, parts_mod.join(new), f"已替换第 {n} 段，")
        moved = parts_mod.move(parts, n, command[2])
        where = moved.index(parts[n - 1]) + 1
        return self._longtext_saved(item, parts_mod.join(moved), f"已把第 {n} 段移到第 {where} 段，")

    # -- a draft ------------------------------------------------------------------------------------
    def _draft(self, item):
        text = self.host.draft(self.turn, self, item)
        if not text:
            self.turn.reply(f"暂时没有可以拼成草稿的内容。可以说「帮助」看提纲，直接写{item.short}。")
            return True
        self.position["draft"] = text
        count = kinds.char_count(text)
        need = f"，还差 {item.min_chars - count} 字，需要补充" if count < item.min_chars else ""
        buttons = [("采用草稿", act("draft_use")), ("不用", act("draft_drop"))]
        current = self._longtext_count(item)
        if current:
            buttons = [(f"用草稿替换现有 {current} 字", act("draft_use")), ("接在现有内容后面", act("draft_add")),
                       ("不用", act("draft_drop"))]
        self.turn.reply(f"根据申报表和台账拼了一份草稿（{count} 字{need}），还没有记入{item.short}，请先看一遍：\n"
                        f"{text}\n采用后可以用「替换第1段 …」「删除第2段」逐段修改。", buttons)
        return True

    def _draft_answer(self, how):
        """[采用草稿] / [接在现有内容后面] / [不用]: only an accepted draft is stored."""
        text = self.position.pop("draft", None)
        item = self.cursor
        if item is None or item.kind != "longtext" or text is None:
            self.turn.reply("这个按钮已失效，草稿没有记入。")
            self._reask()
            return True
        if how == "drop":
            self.turn.reply(f"好的，草稿没有记入{item.short}。", self._longtext_buttons(item))
            return True
        current = self._parts(item) if how == "add" else []
        return self._longtext_saved(item, parts_mod.join(current + parts_mod.split(text)),
                                    "已采用草稿" + ("（接在后面）" if how == "add" else "") + "，")

    # -- 完成 / 重写 / 预览 --------------------------------------------------------------------------
    def _longtext_command(self, item, text):
        if text in DRAFT_WORDS:
            return self._draft(item)
        current = self.answers.get(item.key) or ""
        count, need = kinds.char_count(current), item.min_chars
        if text == REWRITE:
            self._save(item.key, None)
            self.turn.reply(f"已清空{item.qualified}，请重新发送（不少于 {need} 字）。")
            return True
        if text == preview_word(item):
            self.turn.reply(f"{item.qualified}（{count} 字）：\n{current or '（空）'}")
            return True
        if count < need:
            self.turn.reply(f"{item.qualified}共 {count} 字，还差 {need - count} 字，暂记为未完成，可以稍后继续补充。")
            later = [i for i in self.missing() if i.key != item.key]
            if later:
                self.ask(later[0])
            return True
        self.turn.reply(f"✓ {item.qualified}：{count} 字。")
        self._go_on(after=item.key)
        return True
