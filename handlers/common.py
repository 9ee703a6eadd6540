"""Help, greetings, who-am-I, and the hint for input nobody understood."""
from handlers.application import proofs
from handlers.ledgers import plain
from storage.models import ROLES


def register(router):
    def help_(turn, args):
        show_help(router, turn)
    router.add_command(("帮助", "help", "?", "？", "菜单"), help_, help="查看您可以使用的功能",
                       needs_person=False)
    router.add_command(("我是谁", "身份"), whoami, help="查看我的身份和角色")
    router.add_command(("你好", "您好", "hi", "hello"), greet, needs_person=False)
    router.fallback(unknown)


def show_help(router, turn):
    if turn.person is None:
        turn.reply("您好，我是创新工作室助手。您的账号还没有绑定到人员信息，请联系管理员绑定后再使用。")
        return
    roles = "、".join(ROLES[r] for r in sorted(turn.roles)) or "未分配角色"
    lines = [f"{turn.person.name}您好（{roles}），您可以发送："]
    for cmd in router.available(turn):
        lines.append(f"· {cmd.words[0]} — {cmd.help}")
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
        if proofs.loose_attachment(turn):
            return
        turn.reply("收到文件。请先进入要附证明材料的字段或台账条目，再发送文件。发送「帮助」查看可用功能。")
        return
    # the two or three closest things this user may say, from the words of the message
    words = {word for cmd in turn.bot.router.available(turn) for word in cmd.words}
    closest = plain.suggest(turn.incoming.text, words=words) or ["查看全部功能：帮助"]
    turn.reply("没太明白您的意思。您可以这样说：\n" + "\n".join(f"· {line}" for line in closest))
