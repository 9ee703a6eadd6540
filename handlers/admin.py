"""The admin chat commands: bind accounts, change roles, list people, manage robot groups."""
from sqlalchemy import select

from bot.errors import UserError
from bot.message import Button
from handlers.people_import import ROLE_HELP
from handlers.policy import Do
from handlers.services import people as people_service
from storage import people as store
from storage.models import ROLES, Studio

# --- chat: accounts, roles, people --------------------------------------------------

def _words(args, count, usage):
    parts = args.split(" ") if args else []
    if len(parts) != count:
        raise UserError(f"用法：{usage}")
    return parts


def _channel(word):
    channel = store.channel_key(word)
    if channel is None:
        raise UserError(f"渠道「{word}」无法识别，请写 企业微信、钉钉 或 试用。")
    return channel


def _one_person(turn, who, retry):
    """The person ``姓名`` or ``姓名@单位`` names; None after asking to pick a unit when ambiguous."""
    name, _, unit_hint = who.replace("＠", "@").partition("@")
    people = store.people_named(turn.session, name, unit_hint)
    if not people:
        where = f"{unit_hint}的" if unit_hint else ""
        raise UserError(f"没有找到{where}人员「{name}」。发送「人员 {name}」查看；新人员请通过人员名单导入。")
    if len(people) == 1:
        return people[0]
    units = [p.unit.name if p.unit else "" for p in people]
    turn.reply(f"有 {len(people)} 位「{name}」：{'、'.join(units)}。请写明单位，例如「{retry(f'{name}@{units[0]}')}」。",
               [Button(unit, retry(f"{name}@{unit}")) for unit in units])
    return None


def _describe(person):
    unit = person.unit.name if person.unit else "未设置单位"
    return f"{person.name}（{unit}，{store.roles_text(person)}）"


def bind_account(turn, args):
    usage = "绑定 姓名 企业微信|钉钉|试用 账号，例如「绑定 张三 企业微信 zhangsan」；重名时写「张三@单位」"
    who, channel_word, account = _words(args, 3, usage)
    channel = _channel(channel_word)
    person = _one_person(turn, who, lambda w: f"绑定 {w} {channel_word} {account}")
    if person is None:
        return
    label = store.CHANNEL_LABELS[channel]
    owner = store.account_owner(turn.session, channel, account)
    if owner is person:
        turn.reply(f"{label}账号 {account} 已绑定到{_describe(person)}，无需重复绑定。")
        return
    if owner is not None:
        raise UserError(f"{label}账号 {account} 已绑定到{_describe(owner)}。"
                        f"如需改绑，请先发送「解绑 {channel_word} {account}」。")
    people_service.bind(turn.ctx, person, channel, account)
    others = [a.external_id for a in person.accounts if a.channel == channel and a.external_id != account]
    text = f"✓ 已将{label}账号 {account} 绑定到{_describe(person)}。对方现在可以在{label}里发送「我是谁」确认。"
    if others:
        text += f"\n{person.name}还绑定了{label}账号：{'、'.join(others)}，不再使用的请「解绑」。"
    turn.reply(text)


def unbind_account(turn, args):
    channel_word, account = _words(args, 2, "解绑 企业微信|钉钉|试用 账号，例如「解绑 企业微信 zhangsan」")
    channel = _channel(channel_word)
    label = store.CHANNEL_LABELS[channel]
    if (channel, account) == (turn.incoming.channel, turn.incoming.user):
        raise UserError("这是您正在使用的账号，不能解绑自己。请让另一位管理员操作。")
    owner = store.account_owner(turn.session, channel, account)
    if owner is None:
        raise UserError(f"没有找到{label}账号「{account}」的绑定。发送「人员 姓名」可查看某人绑定的账号。")
    people_service.unbind(turn.ctx, channel, account)
    turn.reply(f"✓ 已解绑{label}账号 {account}（原属{_describe(owner)}）。")


def change_roles(turn, args):
    usage = "角色 姓名 添加|移除 角色，例如「角色 张三 添加 单位工会」"
    parts = args.split(" ", 2) if args else []
    if len(parts) == 1:
        person = _one_person(turn, parts[0], lambda w: f"角色 {w}")
        if person:
            turn.reply(f"{_describe(person)}。调整：{usage}")
        return
    if len(parts) != 3 or parts[1] not in ("添加", "增加", "移除", "删除"):
        raise UserError(f"用法：{usage}")
    who, op, words = parts
    roles, unknown = store.parse_roles(words)
    if unknown or not roles:
        raise UserError(f"角色「{'、'.join(unknown) or words}」无法识别，可用：{ROLE_HELP}。")
    person = _one_person(turn, who, lambda w: f"角色 {w} {op} {words}")
    if person is None:
        return
    adding = op in ("添加", "增加")
    outcome = people_service.change_roles(turn.ctx, person, add=roles if adding else (), remove=() if adding else roles)
    changed = [r for r in roles if r in outcome["changed"]]
    names = "、".join(ROLES[r] for r in roles)
    if not changed:
        state = "已经是" if op in ("添加", "增加") else "本来就不是"
        turn.reply(f"{person.name}{state}{names}，角色未变：{store.roles_text(person)}。")
        return
    turn.reply(f"✓ 已{op}{'、'.join(ROLES[r] for r in changed)}。{_describe(person)}")


LIST_LIMIT = 30


def list_people(turn, args):
    keyword = args.strip()
    people = store.search_people(turn.session, keyword)
    if not people:
        raise UserError(f"没有找到姓名或单位包含「{keyword}」的人员。" if keyword else "还没有任何人员，请先导入人员名单。")
    studios = {s.id: s.name for s in _studios(turn.session, {p.studio_id for p in people} - {None})}
    head = f"共 {len(people)} 人" + (f"（关键字「{keyword}」）" if keyword else "")
    lines = [head + ("：" if len(people) <= LIST_LIMIT else f"，显示前 {LIST_LIMIT} 人，请用更具体的关键字：")]
    for p in people[:LIST_LIMIT]:
        accounts = store.accounts_text(p)
        parts = [p.name, p.unit.name if p.unit else "未设置单位", store.roles_text(p)]
        if p.studio_id in studios:
            parts.append(studios[p.studio_id])
        parts.append(accounts or "未绑定账号")
        lines.append("· " + "｜".join(parts))
    turn.reply("\n".join(lines))


def _studios(session, ids):
    return session.scalars(select(Studio).where(Studio.id.in_(ids))) if ids else []


# --- chat: robot groups -------------------------------------------------------------

GROUP_USAGE = ("群 列表 / 群 添加 名称 企业微信 webhook / 群 添加 名称 钉钉 webhook SEC密钥 / "
               "群 删除 名称 / 群 订阅 名称 / 群 退订 名称")


def robot_groups(turn, args):
    sub, _, rest = args.partition(" ")
    action = GROUP_ACTIONS.get(sub)
    if action is None:
        raise UserError(f"用法：{GROUP_USAGE}")
    action(turn, rest.strip())


def _group_named(turn, name, verb):
    if not name:
        raise UserError(f"请写群名称，例如「群 {verb} 集团通知群」。")
    group = store.get_group(turn.session, name)
    if group is None:
        raise UserError(f"没有名为「{name}」的群机器人。发送「群 列表」查看。")
    return group


def group_list(turn, args):
    turn.reply(groups_text(store.list_groups(turn.session)))


def group_add(turn, args):
    parts = args.split(" ") if args else []
    channel = store.channel_key(parts[1]) if len(parts) > 1 else None
    if channel not in ("wecom", "dingtalk") or len(parts) != (3 if channel == "wecom" else 4):
        raise UserError("用法：群 添加 名称 企业微信 webhook地址，或 群 添加 名称 钉钉 webhook地址 SEC开头的加签密钥")
    name, webhook, secret = parts[0], parts[2], parts[3] if channel == "dingtalk" else ""
    outcome = people_service.save_group(turn.ctx, name, channel, webhook, secret)
    turn.reply(f"✓ {'已添加' if outcome.what == 'created' else '已更新'}群机器人：{group_line(outcome['group'])}")


def group_remove(turn, args):
    group = _group_named(turn, args, "删除")
    people_service.remove_group(turn.ctx, group)
    turn.reply(f"✓ 已删除群机器人「{group.name}」。")


def _subscription(subscribed):
    def change(turn, args):
        group = _group_named(turn, args, "订阅" if subscribed else "退订")
        people_service.subscribe_group(turn.ctx, group, subscribed)
        verb = "订阅，之后的通知会发到这个群" if subscribed else "退订，之后的通知不再发到这个群"
        turn.reply(f"✓ 「{group.name}」已{verb}。")
    change.__name__ = "group_subscribe" if subscribed else "group_unsubscribe"
    return change


GROUP_ACTIONS = {"列表": group_list, "添加": group_add, "删除": group_remove,
                 "订阅": _subscription(True), "退订": _subscription(False)}


def _group_alias(sub):
    def alias(turn, args):
        robot_groups(turn, f"{sub} {args}".strip())
    alias.__name__ = f"robot_groups_{GROUP_ACTIONS[sub].__name__}"
    return alias


def register(router):
    router.add_command("bind", bind_account, do=Do.PEOPLE,
                       help="绑定账号：绑定 姓名 企业微信|钉钉|试用 账号（重名写 姓名@单位）")
    router.add_command("unbind", unbind_account, do=Do.PEOPLE, help="解绑账号：解绑 企业微信|钉钉|试用 账号")
    router.add_command("roles", change_roles, do=Do.PEOPLE, help="调整角色：角色 姓名 添加|移除 角色")
    router.add_command("people", list_people, do=Do.PEOPLE, help="查看人员、角色和绑定：人员 [姓名或单位关键字]")
    router.add_command("groups", robot_groups, do=Do.PEOPLE, help=f"群机器人：{GROUP_USAGE}")
    for sub in GROUP_ACTIONS:
        router.add_command(f"群{sub}", _group_alias(sub), do=Do.PEOPLE)


def group_line(group):
    """One robot group as a line: name, messenger, subscribed or not, the webhook masked."""
    state = "已订阅" if group.subscribed else "已退订"
    return f"{group.name}｜{store.CHANNEL_LABELS[group.channel]}｜{state}｜{store.masked_webhook(group.webhook)}"


def groups_text(rows):
    if not rows:
        return "还没有群机器人。添加：群 添加 名称 企业微信 webhook地址"
    lines = [f"群机器人（共 {len(rows)} 个，通知只发给已订阅的群）："]
    return "\n".join(lines + ["· " + group_line(g) for g in rows])
