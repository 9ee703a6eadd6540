"""A 退回's fields in chat: after the opinion, the reviewer sees the fields it names and adds or removes some.

The opinion frame (handlers/review/chat.py) keeps ``fields`` (the keys to flag) and ``view`` (the block
being shown, or None for the chosen list) in its data. 「要标注哪些字段？」 lists the chosen fields as
buttons (pressing one removes it), [添加字段] shows the form's blocks, a block shows its fields to tick;
a field name typed at any point is added. [确认退回] decides with exactly the fields chosen
(handlers/services/review.py ``decide(..., fields=…)``).
"""
from bot.actions import encode
from handlers.application.schema import application_form
from handlers.review import fields as review_fields

OPINION = "opinion"
TICK = "✓ "


def _form(app):
    return application_form(app.year)


def _ref(data):
    return data["step"], data["version"]


def _confirm(data):
    return ("确认退回", encode(OPINION, "ok", *_ref(data)))


def _chosen_text(form, keys):
    labels = [form.by_key[k].qualified for k in keys if k in form.by_key]
    return "、".join(labels) if labels else "（未选字段：只附意见）"


def ask(turn, frame, app, lead="", first=False):
    """The question of the step in its current view (the chosen fields, or one block's fields)."""
    data = frame.data
    form = _form(app)
    chosen = [k for k in data.get("fields", []) if k in form.by_key]
    view = data.get("view")
    blocks = review_fields.sections(form)
    if view is not None and 0 <= view < len(blocks):
        block, items = blocks[view]
        buttons = [((TICK if i.key in chosen else "") + i.qualified, encode(OPINION, "tick", *_ref(data), i.key))
                   for i in items]
        turn.reply(f"{lead}「{block}」：点字段标注，再点一次取消。已选：{_chosen_text(form, chosen)}。",
                   buttons + [("返回", encode(OPINION, "back", *_ref(data))), _confirm(data)])
        return
    buttons = [_confirm(data)]
    buttons += [(TICK + form.by_key[k].qualified, encode(OPINION, "tick", *_ref(data), k)) for k in chosen]
    buttons += [("添加字段", encode(OPINION, "blocks", *_ref(data))), ("取消", "取消")]
    named = "已选" if not first else "按您的意见已选" if chosen else "没有从意见中认出字段名，已选"
    turn.reply(f"{lead}要标注哪些字段？{named}：{_chosen_text(form, chosen)}。\n"
               "点已选的字段可以取消；要添加，点「添加字段」或直接发送字段名（例如「2024年创收金额」）。"
               "选好后点「确认退回」，领衔人会被逐项带到标注的字段。", buttons)


def show_blocks(turn, frame, app):
    """[添加字段]: the form's blocks, each a button showing its fields."""
    data = frame.data
    data["view"] = None
    blocks = review_fields.sections(_form(app))
    buttons = [(block, encode(OPINION, "block", *_ref(data), n)) for n, (block, _) in enumerate(blocks)]
    turn.reply("选择栏目（也可以直接发送字段名）：", buttons + [_confirm(data)])


def show_block(turn, frame, app, n):
    frame.data["view"] = n
    ask(turn, frame, app)


def back(turn, frame, app):
    frame.data["view"] = None
    ask(turn, frame, app)


def tick(turn, frame, app, key):
    """A field's button: chosen ↔ not chosen; the same view is shown again."""
    form = _form(app)
    if key not in form.by_key:
        turn.reply("这个按钮已失效。")
        return
    chosen = list(frame.data.get("fields", []))
    chosen = [k for k in chosen if k != key] if key in chosen else chosen + [key]
    frame.data["fields"] = [i.key for i in form.asked if i.key in chosen]
    ask(turn, frame, app)


def typed(turn, frame, app, text):
    """A field name typed in the step: the fields it names are added."""
    form = _form(app)
    found = review_fields.named(form, text, app.year)
    if not found:
        turn.reply(f"没有找到「{text}」对应的字段。可以点「添加字段」按栏目选择。")
        ask(turn, frame, app)
        return
    chosen = set(frame.data.get("fields", [])) | set(found)
    frame.data["fields"] = [i.key for i in form.asked if i.key in chosen]
    frame.data["view"] = None
    added = "、".join(form.by_key[k].qualified for k in found)
    ask(turn, frame, app, lead=f"已添加：{added}。")
