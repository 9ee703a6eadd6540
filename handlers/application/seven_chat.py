"""制度 / 设备 / 场所 in chat: the list of a topic, the reply that answers it, and the photos that follow.

「制度」 alone shows the six kinds with what is recorded and opens a ``seven_pick`` frame: the next
reply (「1 3 5」, names, 无, 去掉 2) answers it; 「制度 1 3」 answers at once. Files sent after an
answer (or with it) are kept as its proofs for half an hour. Inside the form the form asks again
after the answer. Recording goes through the application service.
"""
from bot.conversation.flow import Flow
from bot.errors import UserError
from handlers.application import seven_record
from handlers.application.current import application_or_refuse, current_application
from handlers.application.seven_record import TOPICS
from handlers.policy import Do
from handlers.services import applications as app_service
from storage.models import Application
from storage.statuses import EDITABLE

NAME = "seven_pick"
LOCKED = "申报已提交审批，七有材料不能再修改。如需补充，请等审批退回后再发送。"


def _summary(topic, kinds):
    if not kinds:
        return f"已登记：{topic.word}——没有。"
    missing = [k for k in topic.kinds if k not in kinds]
    return (f"已登记{topic.word}：{'、'.join(kinds)}" + (f"；尚缺：{'、'.join(missing)}" if missing else "（齐全）")
            + "。")


def _answer(turn, app, topic, text):
    """Record what ``text`` says of ``topic``; returns (reply, the kinds named)."""
    mode, kinds = seven_record.parse(topic, text)
    outcome = app_service.record_seven(turn.ctx, app, topic, mode, kinds)
    named = kinds if mode == "add" else []
    reply = _summary(topic, outcome["kinds"])
    if named:
        reply += f"\n可以接着发送{topic.files}，会附在「{topic.label(named[0]) if len(named) == 1 else topic.word}」下。"
    return reply, named


def _attach(turn, app, topic, kinds, attachments):
    key = f"{seven_record.FLAG}.{topic.key}" + (f".{kinds[0]}" if len(kinds) == 1 else "")
    outcome = app_service.add_proofs(turn.ctx, app, key, [a.ref for a in attachments])
    n = seven_record.file_counts(turn.session, app.id).get(topic.key, {}).get(kinds[0] if len(kinds) == 1 else "", 0)
    label = topic.label(kinds[0] if len(kinds) == 1 else None)
    return f"已收到 {'、'.join(outcome['names']) or '文件'}，已附在「{label}」下（共 {n} 份）。"


class SevenPick(Flow):
    """A topic's list was shown: the next reply answers it; files go to its proofs."""
    name = NAME
    transient = True
    ttl_minutes = 30

    def on_message(self, turn, frame):
        app = _app_of(turn, frame)
        topic = TOPICS.get(frame.data["topic"])
        if app is None or topic is None:
            return False
        text = turn.incoming.text.strip()
        if turn.incoming.attachments and not text:
            turn.reply(_attach(turn, app, topic, frame.data.get("kinds") or [], turn.incoming.attachments))
            return True
        if frame.data.get("answered") or not text:
            return False
        try:
            reply, named = _answer(turn, app, topic, text)
        except UserError:
            return False                    # not an answer: the task below, a command or the hint takes it
        if turn.incoming.attachments:
            reply += "\n" + _attach(turn, app, topic, named, turn.incoming.attachments)
        frame.data["answered"], frame.data["kinds"] = True, named
        turn.reply(reply)
        return True

    def describe(self, frame):
        topic = TOPICS.get(frame.data.get("topic"))
        return f"登记{topic.word}" if topic else ""


def _app_of(turn, frame):
    """The frame's application (a frame converted from before the stack names none: the current one)."""
    if frame.data.get("app"):
        return turn.session.get(Application, frame.data["app"])
    return current_application(turn)


def command(turn, topic, args):
    app = current_application(turn, create=True) or application_or_refuse(turn)
    if app.status not in EDITABLE:
        raise UserError(LOCKED)
    in_form = bool(turn.stack and turn.stack.find("form"))
    if args.strip():
        reply, named = _answer(turn, app, topic, args)
        if turn.incoming.attachments:
            reply += "\n" + _attach(turn, app, topic, named, turn.incoming.attachments)
        turn.reply(reply)
        frame = turn.stack.begin(NAME, {"app": app.id, "topic": topic.key}, f"{app.id}:{topic.key}")
        frame.data.update(answered=True, kinds=named)
        return
    turn.reply(seven_record.listing(turn.session, app, topic, in_form=in_form))
    frame = turn.stack.begin(NAME, {"app": app.id, "topic": topic.key}, f"{app.id}:{topic.key}")
    frame.data.update(answered=False, kinds=[])


def register(router):
    helps = {"rules": "登记工作制度（六类）：制度 / 制度 1 3 5", "equipment": "登记设备设施：设备 / 设备 1 2",
             "venue": "登记场所挂牌和功能：场所 / 场所 挂牌 学习 展示"}
    router.add_flow(SevenPick(), do=Do.APPLY)
    for topic in TOPICS.values():
        router.add_command(topic.key, (lambda t: lambda turn, args: command(turn, t, args))(topic),
                           do=Do.APPLY, kind="start", help=helps[topic.key])

