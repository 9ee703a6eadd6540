"""Help, greetings, who-am-I, and the hint for input nobody understood."""
from handlers import policy
from handlers.application import proof_chat
from handlers.ledgers import entry, plain, quick
from handlers.policy import Do
from storage.models import ROLES


# what 帮助 groups the commands under, by the operation they are (handlers/policy.py)
AREAS = (
    ("申报表", (Do.APPLY, Do.READ_APPLICATION)),
    ("台账", (Do.LEDGER_WRITE, Do.LEDGER_READ, Do.BUDGET_PROPOSE, Do.RECTIFY_REPORT, Do.SELFCHECK)),
    ("审批", (Do.REVIEW, Do.REMIND, Do.FUNDING_CONFIRM, Do.BUDGET_APPROVE, Do.SELFCHECK_READ)),
    ("集团工会", (Do.NAME, Do.REOPEN, Do.LATE_WINDOW, Do.REVOKE, Do.SPOTCHECK, Do.SPOTCHECK_RESULT,
                  Do.SPOTCHECK_READ, Do.SPOTCHECK_REPRODUCE, Do.REJUDGE, Do.ASSESS_MANAGE, Do.PUBLICITY,
                  Do.CERTIFICATES, Do.ACHIEVEMENTS, Do.STATISTICS, Do.SHEETS, Do.ASSESS_SCORE, Do.ASSESS_READ)),
    ("管理", (Do.PEOPLE, Do.NOTICES, Do.AUDIT_READ, Do.CONSOLE)),
)


def register(router):
    def help_(turn, args):
        show_help(router, turn, args)
    router.add_command("help", help_, do=Do.EVERYONE, help="查看您可以使用的功能；「帮助 命令」看一条命令的说明")
    router.add_command("whoami", whoami, do=Do.BOUND, help="查看我的身份和角色")
    router.add_command("greet", greet, do=Do.EVERYONE)
    router.fallback(unknown)


def show_help(router, turn, args=""):
    """帮助: this user's commands by area, one line each (it stays one message however many there
    are); 帮助 <命令>: that command's description."""
    if turn.person is None:
        turn.reply("您好，我是创新工作室助手。您的账号还没有绑定到人员信息，请联系管理员绑定后再使用。")
        return
    available = router.available(turn)
    if args.strip():
        cmd, _ = router.match(args.strip())
        if cmd is None or cmd not in available:
            turn.reply(f"没有「{args.strip()}」这个命令，或它不在您的权限内。发送「帮助」查看您可以使用的功能。")
            return
        others = f"（也可以说：{'、'.join(cmd.words[1:])}）" if len(cmd.words) > 1 else ""
        turn.reply(f"「{cmd.words[0]}」：{cmd.help}{others}")
        return
    roles = "、".join(ROLES[r] for r in sorted(turn.roles)) or "未分配角色"
    lines = [f"{turn.person.name}您好（{roles}），您可以发送："]
    listed = set()
    for area, operations in AREAS:
        words = [c.words[0] for c in available if c.do in operations and c.words[0] not in listed]
        if words:
            lines.append(f"· {area}：" + "、".join(words))
            listed.update(words)
    if policy.allowed(turn.actor, Do.LEDGER_WRITE):
        lines.append(f"  一行记一条台账，例如：{quick.EXAMPLES['achievement']}（写法见「台账帮助」）")
    rest = [c.words[0] for c in available if c.words[0] not in listed and c.words[0] != "帮助"]
    if rest:
        lines.append("· 其他：" + "、".join(rest))
    example = next((c.words[0] for c in available if c.words[0] not in ("帮助", "我是谁")), "我是谁")
    lines.append(f"发送「帮助 命令」查看一条命令的说明，例如「帮助 {example}」。")
    turn.reply("\n".join(lines))


def whoami(turn, args):
    person = turn.person
    roles = "、".join(ROLES[r] for r in sorted(turn.roles)) or "未分配角色"
    unit = person.unit.name if person.unit else "未设置单位"
    turn.reply(f"您是 {person.name}，{unit}，角色：{roles}。")


def greet(turn, args):
    name = turn.person.name if turn.person else ""
    turn.reply(f"{name}您好！发送「帮助」查看我能做什么。")


def unknown(turn):
    if turn.incoming.attachments:
        if proof_chat.loose_attachment(turn):
            return
        turn.reply("收到文件。请先进入要附证明材料的字段或台账条目，再发送文件。发送「帮助」查看可用功能。")
        return
    if policy.allowed(turn.actor, Do.LEDGER_WRITE) and turn.actor.studio_id and plain_line(turn):
        return
    # the two or three closest things this user may say, from the words of the message
    words = {word for cmd in turn.bot.router.available(turn) for word in cmd.words}
    closest = plain.suggest(turn.incoming.text, words=words) or ["查看全部功能：帮助"]
    turn.reply("没太明白您的意思。您可以这样说：\n" + "\n".join(f"· {line}" for line in closest))


def plain_line(turn):
    """A ledger line in plain words (「购买三坐标测量仪 3.2万」): shown as understood, judged by the
    funding rule and confirmed as any quick line is. False when the message reads as no line."""
    line = plain.recognise(turn.incoming.text, today=turn.clock.today())
    if line is None:
        return False
    turn.reply(f"看起来是一条台账，按「{line.line}」记录：")
    entry.quick_entry(line.ledger)(turn, line.line.split(" ", 1)[1])
    return True
