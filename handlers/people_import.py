"""The people import: reading CSV/XLSX people files, checking the rows, writing them.

`python -m bot import people FILE` (bot/cli/people.py) checks the whole file first and writes
nothing when any row is wrong.
"""
import csv
import io
import re
from dataclasses import dataclass, field

from storage import people as store
from storage.models import Person

# --- reading a people file ----------------------------------------------------------

COLUMNS = ("姓名", "单位", "角色", "企业微信账号", "钉钉账号", "试用账号", "手机")
ACCOUNT_COLUMNS = {"企业微信账号": "wecom", "钉钉账号": "dingtalk", "试用账号": "web"}
REQUIRED_COLUMNS = ("姓名", "单位", "角色")    # and at least one of ACCOUNT_COLUMNS; the others may be left out
STUDIO_COLUMN = "工作室"
HEADER_ALIASES = {"所在单位": "单位", "手机号": "手机", "手机号码": "手机", "工作室名称": "工作室"}
ROLE_HELP = "领衔人、成员（骨干成员）、单位工会、技术部门、党委、集团工会、管理员、评审专家"
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
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not any(c in header for c in ACCOUNT_COLUMNS):
        missing.append("账号列（" + "、".join(ACCOUNT_COLUMNS) + "至少一列）")
    if missing:
        raise ImportRefused([f"第 1 行表头缺少列：{'、'.join(missing)}。表头应含：{'、'.join(REQUIRED_COLUMNS)}，"
                             f"以及{'、'.join(ACCOUNT_COLUMNS)}中至少一列；「手机」「{STUDIO_COLUMN}」可选，"
                             "没有的列按空白处理。"])
    index = {name: header.index(name) for name in header}
    index.update({name: None for name in COLUMNS if name not in index})   # a missing column reads as empty
    rows, problems = [], []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        record = {name: cells[i] if i is not None and i < len(cells) else "" for name, i in index.items()}
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
