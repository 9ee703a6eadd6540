"""The walker's long text (a narrative): sent in several messages and joined, counted against its declared limits.

A mixin of ``Walker``. The limits are the field's own declaration (``min_chars``, ``max_chars``
in bot/forms/schema.py) and every message names the field by its schema names, so nothing here
knows which form it is in. Inside the field three words are commands: 完成, 重写 and
预览<the field's short name> (预览简介). Uses of the walker: ``answers``, ``_save``,
``missing``, ``ask``, ``ask_next``, ``turn``.
"""
from bot.forms import kinds

FINISH, REWRITE = "完成", "重写"


def preview_word(item):
    return f"预览{item.short}"


def words(item):
    """The command words inside a long text field."""
    return (FINISH, REWRITE, preview_word(item))


class LongTextMixin:
    def _longtext_count(self, item):
        return kinds.char_count(self.answers.get(item.key))

    def _ask_longtext(self, item, text):
        """``text`` is the question's line; the count so far and the buttons are added."""
        count = self._longtext_count(item)
        status = f"\n当前已有 {count} 字。" if count else ""
        self.turn.reply(text + status, [(FINISH, FINISH), (REWRITE, REWRITE)] if count else [])

    def _edit_longtext(self, item):
        self.turn.reply(f"{item.qualified}当前 {self._longtext_count(item)} 字。继续发送会接在后面；"
                        f"说「{REWRITE}」清空重来，说「{FINISH}」结束。", [(FINISH, FINISH), (REWRITE, REWRITE)])

    def _longtext_missing(self, item):
        """How the field is named in a list of what is missing: with the characters still needed."""
        return f"{item.qualified}（差 {item.min_chars - self._longtext_count(item)} 字）"

    def _longtext_append(self, item, text):
        current = self.answers.get(item.key) or ""
        new = (current + "\n" + text) if current else text
        if kinds.char_count(new) > item.max_chars:
            self.turn.reply(f"{item.short}已超过 {item.max_chars} 字，请精简后用「{REWRITE}」重新发送。")
            return True
        self._save(item.key, new)
        count, need = kinds.char_count(new), item.min_chars
        if count < need:
            self.turn.reply(f"已收到，共 {count} 字，还差 {need - count} 字。")
        else:
            preview = preview_word(item)
            self.turn.reply(f"已收到，共 {count} 字，已达到要求。继续补充，或说「{FINISH}」。",
                            [(FINISH, FINISH), (preview, preview), (REWRITE, REWRITE)])
        return True

    def _longtext_command(self, item, text):
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
        self.ask_next(after=item.key)
        return True
