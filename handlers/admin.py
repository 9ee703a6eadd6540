"""People and roles administration: the people import and robot groups (CLI), the admin chat commands.

`python -m bot import people FILE` checks the whole file first and writes nothing when any row
is wrong; `python -m bot groups ...` keeps the group robots. In chat, admins bind accounts,
change roles, list people and manage robot groups.
"""
import csv
import io
import re
import sys
from dataclasses import dataclass, field

import click
from sqlalchemy import select

from bot.errors import UserError
from bot.message import Button
from storage import people as store
from storage.models import ROLES, Person, Studio

ADMIN = ["admin"]

# --- reading a people file ----------------------------------------------------------

COLUMNS = ("姓名", "单位", "角色", "企业微信账号", "钉钉账号", "试用账号", "手机")
ACCOUNT_COLUMNS = {"企业微信账号": "wecom", "钉钉账号": "dingtalk", "试用账号": "web"}
STUDIO_COLUMN = "工作室"
HEADER_ALIASES = {"所在单位": "单位", "手机号": "手机", "手机号码": "手机", "工作室名称": "工作室"}
ROLE_HELP = "领衔人、成员（骨干成员）、单位工会、技术部门、党委、集团工会、管理员"
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


class ImportRefused(Exception):
    """The file cannot be imported; ``lines`` say why (Chinese), one per problem or bad row."""

    def __init__(self, lines):
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class PersonRow:
    row: int
    name: str
    unit: str
    roles: list
    mobile: str
    studio: str = ""
    accounts: list = field(default_factory=list)     # [(channel, external id)]


def read_table(path):
    """Rows of a CSV (UTF-8, UTF-8 with BOM, or GBK) or XLSX file (first sheet) as lists of text."""
    data = open(path, "rb").read()
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportRefused(["不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。"])
    if data[:4] == b"PK\x03\x04":
        import openpyxl
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        try:
            return [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportRefused(["无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx 文件。"])
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_people(path):
    """The file's people rows with row numbers as in the spreadsheet; raises ImportRefused."""
    table = read_table(path)
    if not table:
        raise ImportRefused(["文件是空的。第 1 行应是表头：" + "、".join(COLUMNS)])
    header = [HEADER_ALIASES.get(h, h) for h in (c.replace(" ", "").replace("帐", "账") for c in table[0])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportRefused([f"第 1 行表头缺少列：{'、'.join(missing)}。表头应为：{'、'.join(COLUMNS)}"
                             f"（可另加一列「{STUDIO_COLUMN}」）。"])
    index = {name: header.index(name) for name in header}
    rows, problems = [], []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        record = {name: cells[i] if i < len(cells) else "" for name, i in index.items()}
        row, reasons = parse_row(number, record)
        rows.append(row)
        if reasons:
            problems.append((number, reasons))
    if not rows:
        raise ImportRefused(["文件中没有人员数据（第 1 行是表头，从第 2 行起每行一人）。"])
    return rows, problems


def parse_row(number, record):
    """One spreadsheet row → (PersonRow, reasons it is wrong)."""
    reasons = []
    name = _CJK_GAP.sub("", record["姓名"])
    unit = record["单位"]
    roles, unknown = store.parse_roles(record["角色"])
    if not name:
        reasons.append("姓名为空")
    if not unit:
        reasons.append("单位为空")
    if unknown:
        reasons.append(f"角色「{'、'.join(unknown)}」无法识别（可用：{ROLE_HELP}）")
    elif not roles:
        reasons.append("角色为空")
    mobile = store.normalise_mobile(record["手机"])
    if mobile is None:
        reasons.append(f"手机「{record['手机']}」不是 11 位手机号（应以 1 开头，或留空）")
    studio = record.get(STUDIO_COLUMN, "")
    if studio and roles and not {"leader", "member"} & set(roles):
        reasons.append("只有领衔人或成员可以填写工作室")
    row = PersonRow(number, name, unit, roles, mobile or "", studio)
    for column, channel in ACCOUNT_COLUMNS.items():
        account = record[column]
        if account and re.search(r"\s", account):
            reasons.append(f"{column}「{account}」不能包含空格")
        elif account:
            row.accounts.append((channel, account))
    return row, reasons


def check_rows(session, rows, problems):
    """Checks across rows and against the database; returns every bad row's reasons by row."""
    bad = {number: list(reasons) for number, reasons in problems}
    people, accounts, leaders = {}, {}, {}
    for row in rows:
        reasons = bad.setdefault(row.row, [])
        key = (row.name, row.unit)
        if row.name and row.unit and key in people:
            reasons.append(f"与第 {people[key]} 行是同一人（姓名和单位相同），请合并为一行")
        people.setdefault(key, row.row)
        for channel, account in row.accounts:
            first = accounts.setdefault((channel, account), row)
            if first is not row:
                label = store.CHANNEL_LABELS[channel]
                reasons.append(f"{label}账号「{account}」已用于第 {first.row} 行的{first.name}")
        if row.studio and "leader" in row.roles:
            first = leaders.setdefault(row.studio, row)
            if first is not row:
                reasons.append(f"工作室「{row.studio}」在第 {first.row} 行已有领衔人{first.name}")
    for row in rows:
        if row.studio:
            bad[row.row].extend(_studio_problems(session, row, leaders))
    return {number: reasons for number, reasons in sorted(bad.items()) if reasons}


def _studio_problems(session, row, leaders):
    studio = store.find_studio(session, row.studio)
    if studio is None:
        leader = leaders.get(row.studio)
        if leader is None:
            return [f"工作室「{row.studio}」还不存在：请在文件中加一行它的领衔人（角色含领衔人，填写该工作室）"]
        if leader.unit != row.unit:
            return [f"工作室「{row.studio}」属于{leader.unit}（第 {leader.row} 行），与本行单位不一致"]
        return []
    problems = []
    if studio.unit and studio.unit.name != row.unit:
        problems.append(f"工作室「{row.studio}」属于{studio.unit.name}，与本行单位不一致")
    if "leader" in row.roles and studio.leader_id:
        leader = session.get(Person, studio.leader_id)
        if leader and (leader.name, leader.unit.name if leader.unit else "") != (row.name, row.unit):
            problems.append(f"工作室「{row.studio}」的领衔人已是{leader.name}")
    return problems


def apply_rows(session, rows):
    """Write the checked rows; returns counts for the summary."""
    counts = {"added": 0, "updated": 0, "bound": 0, "moved": 0, "units": []}
    for row in rows:
        if store.find_unit(session, row.unit) is None:
            counts["units"].append(row.unit)
        unit = store.get_unit(session, row.unit)
        existing = store.find_person(session, row.name, unit)
        counts["updated" if existing else "added"] += 1
        person = store.upsert_person(session, row.name, unit, row.roles, row.mobile)
        for channel, account in row.accounts:
            owner = store.account_owner(session, channel, account)
            if owner is not person:
                store.bind(session, person, channel, account)
                counts["bound"] += 1
                counts["moved"] += owner is not None
        if row.studio:
            studio = store.get_studio(session, row.studio, unit, person if "leader" in row.roles else None)
            if "leader" in row.roles and studio.leader_id is None:
                studio.leader_id = person.id
            person.studio_id = studio.id
    session.flush()
    return counts


def import_people_rows(session, rows, problems=(), dry_run=False):
    """Check then write the rows read by ``read_people``; returns the Chinese summary, raises ImportRefused."""
    bad = check_rows(session, rows, problems)
    if bad:
        lines = [f"导入失败：{len(bad)} 行有问题，没有写入任何数据。请修改后重新导入。"]
        lines += [f"第 {number} 行：{'；'.join(reasons)}" for number, reasons in bad.items()]
        raise ImportRefused(lines)
    if dry_run:
        return f"检查通过：共 {len(rows)} 行，可以导入（未写入）。"
    counts = apply_rows(session, rows)
    text = f"导入完成：新增 {counts['added']} 人，更新 {counts['updated']} 人，绑定账号 {counts['bound']} 个。"
    if counts["moved"]:
        text += f"\n其中 {counts['moved']} 个账号原先绑定在其他人名下，已改绑。"
    if counts["units"]:
        text += f"\n新建单位：{'、'.join(dict.fromkeys(counts['units']))}（如是错别字，请修改文件后重新导入）。"
    return text


# --- command line -------------------------------------------------------------------

def _fail(message):
    click.echo(message, err=True)
    sys.exit(1)


@click.group(name="import")
def import_():
    """Import data from spreadsheets."""


@import_.command("people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="only check the file, write nothing")
def import_people(file, dry_run):
    """Import people (姓名, 单位, 角色, 企业微信账号, 钉钉账号, 试用账号, 手机[, 工作室]) from CSV or XLSX."""
    from bot.cli import make_bot
    try:
        rows, problems = read_people(file)      # a malformed file is refused before the database
    except ImportRefused as exc:
        _fail(str(exc))
    bot = make_bot()
    try:
        bot.migrate()
        with bot.db.transaction() as session:
            summary = import_people_rows(session, rows, problems, dry_run=dry_run)
    except ImportRefused as exc:
        _fail(str(exc))
    finally:
        bot.db.dispose()
    click.echo(summary)


@click.group()
def groups():
    """Group robots that receive notices (WeCom webhooks, signed DingTalk robots)."""


@groups.command("add")
@click.option("--name", required=True, help="group name, unique")
@click.option("--wecom-webhook", help="WeCom group robot webhook URL")
@click.option("--dingtalk-webhook", help="DingTalk custom robot webhook URL")
@click.option("--dingtalk-secret", help="DingTalk robot signing secret (SEC...)")
def groups_add(name, wecom_webhook, dingtalk_webhook, dingtalk_secret):
    """Add a group robot, or update the one with this name."""
    if bool(wecom_webhook) == bool(dingtalk_webhook):
        _fail("请二选一：--wecom-webhook URL，或 --dingtalk-webhook URL --dingtalk-secret SEC…")
    if wecom_webhook and dingtalk_secret:
        _fail("--dingtalk-secret 只用于钉钉群机器人。")
    if not name.strip():
        _fail("--name 不能为空。")
    channel = "wecom" if wecom_webhook else "dingtalk"
    webhook, secret = wecom_webhook or dingtalk_webhook, dingtalk_secret or ""
    problems = store.group_problems(channel, webhook, secret)
    if problems:
        _fail("；".join(problems))
    with _cli_session() as session:
        group, created = store.save_group(session, name.strip(), channel, webhook, secret)
        click.echo(f"{'已添加' if created else '已更新'}群机器人：{_group_line(group)}")


@groups.command("list")
def groups_list():
    """List the group robots."""
    with _cli_session() as session:
        click.echo(_groups_text(store.list_groups(session)))


@groups.command("remove")
@click.option("--name", required=True)
def groups_remove(name):
    """Remove a group robot."""
    with _cli_session() as session:
        removed = store.remove_group(session, name.strip())
    if not removed:
        _fail(f"没有名为「{name}」的群机器人。")
    click.echo(f"已删除群机器人「{name}」。")


class _cli_session:
    """A migrated database transaction for one CLI command, disposed afterwards."""

    def __enter__(self):
        from bot.cli import make_bot
        self.bot = make_bot()
        self.bot.migrate()
        self.tx = self.bot.db.transaction()
        return self.tx.__enter__()

    def __exit__(self, *exc):
        try:
            return self.tx.__exit__(*exc)
        finally:
            self.bot.db.dispose()


CLI_COMMANDS = [import_, groups]


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
    store.bind(turn.session, person, channel, account)
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
    store.unbind(turn.session, channel, account)
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
    current = person.role_names
    if op in ("添加", "增加"):
        changed = [r for r in roles if r not in current]
        store.set_roles(person, current | set(roles))
    else:
        changed = [r for r in roles if r in current]
        if "admin" in changed and store.admin_count(turn.session) <= 1:
            raise UserError(f"{person.name}是唯一的管理员，不能移除其管理员角色。请先给另一人添加管理员角色。")
        store.set_roles(person, current - set(roles))
    turn.session.flush()
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


def _group_line(group):
    state = "已订阅" if group.subscribed else "已退订"
    return f"{group.name}｜{store.CHANNEL_LABELS[group.channel]}｜{state}｜{store.masked_webhook(group.webhook)}"


def _groups_text(rows):
    if not rows:
        return "还没有群机器人。添加：群 添加 名称 企业微信 webhook地址"
    lines = [f"群机器人（共 {len(rows)} 个，通知只发给已订阅的群）："]
    return "\n".join(lines + ["· " + _group_line(g) for g in rows])


def _group_named(turn, name, verb):
    if not name:
        raise UserError(f"请写群名称，例如「群 {verb} 集团通知群」。")
    group = store.get_group(turn.session, name)
    if group is None:
        raise UserError(f"没有名为「{name}」的群机器人。发送「群 列表」查看。")
    return group


def group_list(turn, args):
    turn.reply(_groups_text(store.list_groups(turn.session)))


def group_add(turn, args):
    parts = args.split(" ") if args else []
    channel = store.channel_key(parts[1]) if len(parts) > 1 else None
    if channel not in ("wecom", "dingtalk") or len(parts) != (3 if channel == "wecom" else 4):
        raise UserError("用法：群 添加 名称 企业微信 webhook地址，或 群 添加 名称 钉钉 webhook地址 SEC开头的加签密钥")
    name, webhook, secret = parts[0], parts[2], parts[3] if channel == "dingtalk" else ""
    problems = store.group_problems(channel, webhook, secret)
    if problems:
        raise UserError("；".join(problems) + "。")
    group, created = store.save_group(turn.session, name, channel, webhook, secret)
    turn.reply(f"✓ {'已添加' if created else '已更新'}群机器人：{_group_line(group)}")


def group_remove(turn, args):
    group = _group_named(turn, args, "删除")
    store.remove_group(turn.session, group.name)
    turn.reply(f"✓ 已删除群机器人「{group.name}」。")


def _subscription(subscribed):
    def change(turn, args):
        group = _group_named(turn, args, "订阅" if subscribed else "退订")
        group.subscribed = subscribed
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
    router.add_command("绑定", bind_account, roles=ADMIN,
                       help="绑定账号：绑定 姓名 企业微信|钉钉|试用 账号（重名写 姓名@单位）")
    router.add_command("解绑", unbind_account, roles=ADMIN, help="解绑账号：解绑 企业微信|钉钉|试用 账号")
    router.add_command("角色", change_roles, roles=ADMIN, help="调整角色：角色 姓名 添加|移除 角色")
    router.add_command("人员", list_people, roles=ADMIN, help="查看人员、角色和绑定：人员 [姓名或单位关键字]")
    router.add_command("群", robot_groups, roles=ADMIN, help=f"群机器人：{GROUP_USAGE}")
    for sub in GROUP_ACTIONS:
        router.add_command(f"群{sub}", _group_alias(sub), roles=ADMIN)
