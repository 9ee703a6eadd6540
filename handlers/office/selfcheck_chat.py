"""The quarterly self-check in chat: 「自查」 (or the notice's button) asks each 七有 line and ledger gap
in turn; the leader answers 属实 (button or word) or writes the correction; 「自查结果」 shows the unit
union its studios' answers. The self-check service keeps and audits every answer."""
from bot.actions import INT, encode
from bot.conversation.flow import Flow
from bot.errors import UserError
from handlers.policy import Do
from handlers.services import selfcheck
from storage.office import SelfCheck

NAME = "selfcheck"
STOP_WORDS = ("取消", "算了", "暂停", "稍后")
SHOWN = 30


def _ask(turn, check):
    index = len(check.answers)
    item = check.items[index]
    turn.reply(f"自查（{index + 1}/{len(check.items)}）{item['shown']}\n"
               "属实请点「属实」；有出入请直接写明实际情况（例如「场所已扩至30平方米，新增展示墙」）。",
               [("属实", encode(NAME, "ok", check.id, index))])


def _answered(turn, frame, outcome):
    check = outcome["check"]
    if outcome.what == "answered":
        _ask(turn, check)
        return
    turn.stack.end(frame)
    corrections = outcome["corrections"]
    lines = [f"已完成 {selfcheck.quarter_name(check.quarter)}自查，共 {len(check.answers)} 项，"
             f"更正 {len(corrections)} 项。已报送所在单位工会。"]
    lines += [f"· {a['item']}：{a['text']}" for a in corrections]
    if any(a["item"] == "台账" for a in check.answers):
        lines.append("台账缺项请尽快补记（例如「记活动」「记成果」）。")
    turn.reply("\n".join(lines))


class SelfCheckFlow(Flow):
    """A self-check under way: the next message answers the item asked."""
    name = NAME
    actions = {"ok": (INT, INT)}

    def claims(self, turn, frame, text, command):
        cmd, args = command
        return bool(args)                   # a correction may begin with any word

    def on_message(self, turn, frame):
        text = turn.text
        if text in STOP_WORDS:
            turn.stack.end(frame)
            turn.reply("已暂停自查，已回答的内容已保存。发送「自查」继续。")
            return True
        check = turn.session.get(SelfCheck, frame.data["check"])
        if check is None or check.finished_at is not None:
            turn.stack.end(frame)
            return False
        if not text:
            turn.reply("请回复「属实」，或写明实际情况。")
            return True
        _answered(turn, frame, selfcheck.answer(turn.ctx, check.id, len(check.answers), text))
        return True

    def on_action(self, turn, frame, action):
        check_id, index = action.args
        if check_id != frame.data["check"]:
            raise UserError("这个按钮已失效。发送「自查」继续自查。")
        _answered(turn, frame, selfcheck.answer(turn.ctx, check_id, index, "属实"))

    def on_aside(self, turn, frame):
        check = turn.session.get(SelfCheck, frame.data["check"])
        if check is not None and check.finished_at is None:
            _ask(turn, check)

    def describe(self, frame):
        return "季度自查待回答"


def start_command(turn, args):
    """自查 [重新]: begin (or resume, or redo) this quarter's self-check."""
    outcome = selfcheck.begin(turn.ctx, restart=args.strip() in ("重新", "重做", "重新自查"))
    check = outcome["check"]
    if outcome.what == "done":
        corrections = [a for a in check.answers if a["answer"] == "correct"]
        turn.reply(f"{selfcheck.quarter_name(check.quarter)}自查已完成（{len(check.answers)} 项，更正 {len(corrections)} 项）。"
                   "如需重新自查，请发送「自查 重新」。")
        return
    if not check.items:
        turn.reply("本季度没有需要自查的项目。")
        return
    frame = turn.stack.begin(NAME, {"check": check.id}, str(check.id))
    frame.data.update(check=check.id)
    if outcome.what == "begun":
        turn.reply(f"开始 {selfcheck.quarter_name(check.quarter)}自查「{check.studio.name}」：共 {len(check.items)} 项，"
                   "请逐项确认或更正（发送「暂停」可稍后继续）。")
    _ask(turn, check)


def results_command(turn, args):
    """自查结果: the unit union's (or the office's) view of this quarter's self-checks."""
    outcome = selfcheck.answers(turn.ctx)
    checks, missing = outcome["checks"], outcome["missing"]
    lines = [f"{selfcheck.quarter_name(outcome['quarter'])}自查："]
    for check in checks[:SHOWN]:
        if check.finished_at is None:
            lines.append(f"· {check.studio.name}：进行中（已答 {len(check.answers)}/{len(check.items)} 项）")
            continue
        corrections = [a for a in check.answers if a["answer"] == "correct"]
        lines.append(f"· {check.studio.name}：已完成，{len(check.answers)} 项中更正 {len(corrections)} 项")
        lines += [f"  - {a['item']}：{a['text']}" for a in corrections]
    if missing:
        lines.append(f"未完成自查的已命名工作室 {len(missing)} 家：" + "、".join(s.name for s in missing[:SHOWN]))
    if len(lines) == 1:
        lines.append("还没有工作室开始自查。")
    turn.reply("\n".join(lines))


def register(router):
    router.add_flow(SelfCheckFlow(), do=Do.SELFCHECK)
    router.add_command("selfcheck", start_command, do=Do.SELFCHECK, kind="start",
                       help="季度自查：逐项确认七有和台账")
    router.add_command("selfcheck_results", results_command, do=Do.SELFCHECK_READ, help="查看本季度各工作室的自查结果")
