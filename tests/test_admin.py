"""People administration: the people import, robot groups, and the admin chat commands."""
import csv

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.message import Incoming
from storage.models import AuditEntry, Person, RobotGroup, Studio, Unit

HEADER = ["姓名", "单位", "角色", "企业微信账号", "钉钉账号", "试用账号", "手机", "工作室"]
UNIT = "中交第一公路工程局有限公司"
STUDIO = "李建国桥梁智能建造劳模创新工作室"
GOOD = [
    ["李建国", UNIT, "领衔人", "lijianguo", "", "", "13900000001", STUDIO],
    ["周敏", UNIT, "骨干成员", "", "zhoumin-dd", "", "", STUDIO],
    ["吴刚", UNIT, "工会、技术部门", "wugang", "wugang-dd", "wugang-try", "139 0000 0003", ""],
    ["郑红", "集团总部", "集团工会,管理员", "", "", "", "", ""],
]


@pytest.fixture
def run(bot, tmp_path):
    """``run("import", "people", path)`` → click's Result, on the test's database."""
    env = {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test",
           "BOT_FILES_DIR": str(tmp_path / "files")}
    return lambda *args: CliRunner().invoke(cli, [str(a) for a in args], env=env)


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows([header, *rows])
    return path


def write_xlsx(path, rows, header=HEADER):
    import openpyxl
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.create_sheet("说明").append(["这张表不会被读取"])
    book.save(path)
    return path


def snapshot(bot):
    """{(name, unit): (roles, accounts, mobile, studio)} for everyone in the database."""
    with bot.db.session() as s:
        studios = {st.id: st.name for st in s.query(Studio)}
        return {(p.name, p.unit.name): (sorted(p.role_names),
                                        sorted((a.channel, a.external_id) for a in p.accounts),
                                        p.mobile, studios.get(p.studio_id))
                for p in s.query(Person)}


# --- import people ------------------------------------------------------------------

def test_import_csv_stores_people_roles_accounts_and_studio(bot, run, tmp_path):
    result = run("import", "people", write_csv(tmp_path / "people.csv", GOOD))
    assert result.exit_code == 0, result.output
    assert "新增 4 人，更新 0 人，绑定账号 5 个" in result.output
    assert f"新建单位：{UNIT}" in result.output
    people = snapshot(bot)
    assert people[("李建国", UNIT)] == (["leader"], [("wecom", "lijianguo")], "13900000001", STUDIO)
    assert people[("周敏", UNIT)] == (["member"], [("dingtalk", "zhoumin-dd")], "", STUDIO)
    assert people[("吴刚", UNIT)] == (["tech", "union"], [("dingtalk", "wugang-dd"), ("web", "wugang-try"),
                                                          ("wecom", "wugang")], "13900000003", None)
    assert people[("郑红", "集团总部")][0] == ["admin", "group"]
    with bot.db.session() as s:
        audited = s.query(AuditEntry).filter_by(action="people.import").one()     # the console's import too
        assert audited.channel == "cli" and audited.after == {"rows": 4}
        studio = s.query(Studio).filter_by(name=STUDIO).one()
        assert studio.unit.name == UNIT
        assert s.get(Person, studio.leader_id).name == "李建国"


def test_import_xlsx_again_updates_and_never_duplicates(bot, run, tmp_path):
    rows = [[*r[:6], int(r[6].replace(" ", "")) if r[6] else None, r[7]] for r in GOOD]   # numbers as Excel keeps them
    first = run("import", "people", write_xlsx(tmp_path / "people.xlsx", rows))
    assert first.exit_code == 0, first.output
    assert snapshot(bot)[("李建国", UNIT)][2] == "13900000001"
    count = len(snapshot(bot))

    rows[2][2] = "党委"                       # 吴刚: union + tech → party
    rows[3][5] = "zhenghong-try"              # 郑红 gets a try-out account
    rows[0][6] = 13900000009                  # 李建国's new mobile
    again = run("import", "people", write_xlsx(tmp_path / "people2.xlsx", rows))
    assert again.exit_code == 0, again.output
    assert "新增 0 人，更新 4 人，绑定账号 1 个" in again.output
    people = snapshot(bot)
    assert len(people) == count
    assert people[("吴刚", UNIT)][0] == ["party"]
    assert people[("郑红", "集团总部")][1] == [("web", "zhenghong-try")]
    assert people[("李建国", UNIT)][2] == "13900000009"
    with bot.db.session() as s:
        assert s.query(Studio).filter_by(name=STUDIO).count() == 1
        assert s.query(Unit).filter_by(name=UNIT).count() == 1


def test_import_gbk_csv_without_studio_column_updates_demo_person(bot, run, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [["王海", "中交示范工程局有限公司", "领衔人、管理员", "wanghai", "", "", "", ]],
                     header=HEADER[:7], encoding="gbk")
    result = run("import", "people", path)
    assert result.exit_code == 0, result.output
    assert "新增 0 人，更新 1 人，绑定账号 1 个" in result.output
    roles, accounts, mobile, studio = snapshot(bot)[("王海", "中交示范工程局有限公司")]
    assert roles == ["admin", "leader"]
    assert accounts == [("web", "leader"), ("wecom", "wanghai")]
    assert mobile == "13800000001" and studio == "王海隧道掘进劳模创新工作室"   # kept


def test_bad_file_is_refused_whole_listing_every_bad_row(bot, run, tmp_path):
    before = snapshot(bot)
    rows = [
        GOOD[0],                                                          # row 2: fine
        ["周敏", UNIT, "厨师", "", "", "", "", ""],                        # row 3: unknown role
        ["", UNIT, "成员", "", "", "", "", ""],                            # row 4: no name
        ["吴刚", UNIT, "工会", "", "", "", "1390000", ""],                 # row 5: bad mobile
    ]
    for path in (write_csv(tmp_path / "bad.csv", rows), write_xlsx(tmp_path / "bad.xlsx", rows)):
        result = run("import", "people", path)
        assert result.exit_code == 1
        assert "没有写入任何数据" in result.output
        assert "第 2 行" not in result.output
        assert "第 3 行：角色「厨师」无法识别" in result.output
        assert "第 4 行：姓名为空" in result.output
        assert "第 5 行：手机「1390000」不是 11 位手机号" in result.output
        assert snapshot(bot) == before
    with bot.db.session() as s:
        assert s.query(Unit).filter_by(name=UNIT).count() == 0


def test_cross_row_problems_and_missing_columns_are_refused(bot, run, tmp_path):
    before = snapshot(bot)
    rows = [
        GOOD[0],
        ["周敏", UNIT, "成员", "lijianguo", "", "", "", ""],               # row 3: account of row 2
        ["李建国", UNIT, "成员", "", "", "", "", ""],                      # row 4: same person as row 2
        ["孙强", UNIT, "成员", "", "", "", "", "不存在的工作室"],            # row 5: unknown studio
        ["钱进", UNIT, "党委", "", "", "", "", STUDIO],                    # row 6: studio on a non-member
    ]
    result = run("import", "people", write_csv(tmp_path / "cross.csv", rows))
    assert result.exit_code == 1
    assert "第 3 行：企业微信账号「lijianguo」已用于第 2 行的李建国" in result.output
    assert "第 4 行：与第 2 行是同一人" in result.output
    assert "第 5 行：工作室「不存在的工作室」还不存在" in result.output
    assert "第 6 行：只有领衔人或成员可以填写工作室" in result.output

    missing = run("import", "people", write_csv(tmp_path / "cols.csv", [["甲", UNIT, "成员"]],
                                                header=["姓名", "单位", "角色"]))
    assert missing.exit_code == 1
    assert "缺少列：账号列（企业微信账号、钉钉账号、试用账号至少一列）" in missing.output
    assert snapshot(bot) == before


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_takes_only_the_columns_a_union_has(bot, run, tmp_path, kind):
    """姓名、单位、角色 and one account column are enough; 手机, the other accounts, 工作室 read as empty."""
    write = write_csv if kind == "csv" else write_xlsx
    header = ["角色", "姓名", "钉钉账号", "单位"]                       # any order, only what this union uses
    rows = [["单位工会", "冯涛", "fengtao-dd", UNIT], ["成员", "陈静", "", UNIT]]
    result = run("import", "people", write(tmp_path / f"few.{kind}", rows, header=header))
    assert result.exit_code == 0, result.output
    assert "新增 2 人，更新 0 人，绑定账号 1 个" in result.output
    people = snapshot(bot)
    assert people[("冯涛", UNIT)] == (["union"], [("dingtalk", "fengtao-dd")], "", None)
    assert people[("陈静", UNIT)] == (["member"], [], "", None)

    wecom_only = run("import", "people", write(tmp_path / f"wecom.{kind}", [["韩梅", UNIT, "党委", "hanmei"]],
                                               header=["姓名", "所在单位", "角色", "企业微信帐号"]))
    assert wecom_only.exit_code == 0, wecom_only.output
    assert snapshot(bot)[("韩梅", UNIT)] == (["party"], [("wecom", "hanmei")], "", None)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("header, named", [
    (["姓名", "角色", "企业微信账号", "手机"], "缺少列：单位。"),
    (["单位", "试用账号"], "缺少列：姓名、角色。"),
    (["姓名", "单位", "角色", "手机", "工作室"], "缺少列：账号列（企业微信账号、钉钉账号、试用账号至少一列）。"),
    (["单位", "手机"], "缺少列：姓名、角色、账号列（企业微信账号、钉钉账号、试用账号至少一列）。"),
])
def test_import_without_name_unit_role_or_any_account_column_is_refused(bot, run, tmp_path, kind, header, named):
    write = write_csv if kind == "csv" else write_xlsx
    before = snapshot(bot)
    result = run("import", "people", write(tmp_path / f"cols.{kind}", [["甲"] * len(header)], header=header))
    assert result.exit_code == 1
    assert "第 1 行表头" + named in result.output
    assert "表头应含：姓名、单位、角色，以及企业微信账号、钉钉账号、试用账号中至少一列" in result.output
    assert snapshot(bot) == before


def test_dry_run_checks_without_writing(bot, run, tmp_path):
    before = snapshot(bot)
    result = run("import", "people", "--dry-run", write_csv(tmp_path / "people.csv", GOOD))
    assert result.exit_code == 0 and "检查通过：共 4 行" in result.output
    assert snapshot(bot) == before


# --- robot groups (CLI) -------------------------------------------------------------

WECOM_HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123"
DING_HOOK = "https://oapi.dingtalk.com/robot/send?access_token=tok456"


def test_groups_add_list_update_remove(bot, run):
    assert run("groups", "add", "--name", "集团通知群", "--wecom-webhook", WECOM_HOOK).exit_code == 0
    result = run("groups", "add", "--name", "工会钉钉群", "--dingtalk-webhook", DING_HOOK,
                 "--dingtalk-secret", "SECabc")
    assert result.exit_code == 0 and "已添加" in result.output
    updated = run("groups", "add", "--name", "工会钉钉群", "--dingtalk-webhook", DING_HOOK + "x",
                  "--dingtalk-secret", "SECdef")
    assert updated.exit_code == 0 and "已更新" in updated.output
    with bot.db.session() as s:
        groups = {g.name: g for g in s.query(RobotGroup)}
    assert groups["集团通知群"].channel == "wecom" and groups["集团通知群"].subscribed
    assert (groups["工会钉钉群"].channel, groups["工会钉钉群"].webhook, groups["工会钉钉群"].secret) == \
        ("dingtalk", DING_HOOK + "x", "SECdef")

    listing = run("groups", "list").output
    assert "集团通知群｜企业微信｜已订阅" in listing and "工会钉钉群｜钉钉" in listing
    assert "abc-123" not in listing and "SEC" not in listing          # credentials are not printed

    assert run("groups", "remove", "--name", "集团通知群").exit_code == 0
    gone = run("groups", "remove", "--name", "集团通知群")
    assert gone.exit_code == 1 and "没有名为「集团通知群」" in gone.output


@pytest.mark.parametrize("args, reason", [
    (["--wecom-webhook", "qyapi.weixin.qq.com/x"], "http:// 或 https://"),
    (["--dingtalk-webhook", DING_HOOK, "--dingtalk-secret", "abc"], "以 SEC 开头"),
    (["--dingtalk-webhook", DING_HOOK], "以 SEC 开头"),
    (["--wecom-webhook", WECOM_HOOK, "--dingtalk-webhook", DING_HOOK], "二选一"),
    ([], "二选一"),
])
def test_groups_add_refuses_bad_robots(bot, run, args, reason):
    result = run("groups", "add", "--name", "坏群", *args)
    assert result.exit_code == 1 and reason in result.output
    with bot.db.session() as s:
        assert s.query(RobotGroup).count() == 0


# --- admin chat ---------------------------------------------------------------------

def whoami_on_wecom(bot, user):
    replies = bot.handle(Incoming(channel="wecom", user=user, text="我是谁", message_id=f"x-{user}"))
    return "\n".join(r.text for r in replies)


def test_admin_binds_an_account_that_can_then_talk(bot, chat):
    admin = chat("admin")
    assert "还没有绑定" in whoami_on_wecom(bot, "zhangsan")
    reply = admin.send("绑定 孙立 企业微信 zhangsan")
    assert "✓ 已将企业微信账号 zhangsan 绑定到孙立（中交示范工程局有限公司，成员）" in reply
    assert "您是 孙立" in bot.handle(Incoming(channel="wecom", user="zhangsan", text="我是谁",
                                             message_id="x"))[0].text
    assert "无需重复绑定" in admin.send("绑定 孙立 企业微信 zhangsan")
    taken = admin.send("绑定 王海 企业微信 zhangsan")
    assert "已绑定到孙立" in taken and "解绑 企业微信 zhangsan" in taken


def test_admin_unbinds_an_account(bot, chat):
    admin = chat("admin")
    admin.send("绑定 孙立 钉钉 sunli-dd")
    assert "✓ 已解绑钉钉账号 sunli-dd（原属孙立" in admin.send("解绑 钉钉 sunli-dd")
    assert "没有找到钉钉账号「sunli-dd」的绑定" in admin.send("解绑 钉钉 sunli-dd")
    assert "不能解绑自己" in admin.send("解绑 试用 admin")
    assert "渠道「微信」无法识别" in admin.send("解绑 微信 x")
    assert "用法：解绑" in admin.send("解绑 钉钉")


def test_ambiguous_name_asks_for_the_unit(bot, chat):
    from storage.people import get_unit, upsert_person
    with bot.db.transaction() as s:
        upsert_person(s, "孙立", get_unit(s, "中交第二航务工程局"), ["member"])
    admin = chat("admin")
    reply = admin.send("绑定 孙立 企业微信 sunli2")
    assert "有 2 位「孙立」" in reply and "绑定 孙立@" in reply
    assert "绑定到孙立（中交第二航务工程局" in admin.press("中交第二航务工程局")
    assert "绑定到孙立（中交示范工程局有限公司" in admin.send("绑定 孙立@示范 钉钉 sunli-dd")
    assert "没有找到人员「无名氏」" in admin.send("绑定 无名氏 试用 x")


def test_admin_adds_and_removes_roles(bot, chat):
    admin = chat("admin")
    assert "✓ 已添加单位工会、管理员。孙立（中交示范工程局有限公司，成员、单位工会、管理员）" in \
        admin.send("角色 孙立 添加 工会、管理员")
    assert "已经是成员" in admin.send("角色 孙立 添加 骨干成员")
    assert "✓ 已移除成员" in admin.send("角色 孙立 移除 member")
    assert "角色「厨师」无法识别" in admin.send("角色 孙立 添加 厨师")
    assert "用法：角色" in admin.send("角色 孙立 改成 成员")
    assert "孙立（中交示范工程局有限公司，单位工会、管理员）" in admin.send("角色 孙立")
    assert "单位工会" in chat("member").send("我是谁")          # roles take effect on the next turn
    admin.send("角色 孙立 移除 管理员")
    assert "唯一的管理员" in admin.send("角色 赵敏 移除 管理员")
    with bot.db.session() as s:
        assert "admin" in s.query(Person).filter_by(name="赵敏").one().role_names


def test_people_list_shows_units_roles_and_accounts(chat):
    admin = chat("admin")
    admin.send("绑定 王海 企业微信 wanghai")
    reply = admin.send("人员 王海")
    assert reply.startswith("共 1 人（关键字「王海」）")
    assert "· 王海｜中交示范工程局有限公司｜领衔人｜王海隧道掘进劳模创新工作室｜企业微信 wanghai、试用 leader" in reply
    assert admin.send("人员 集团总部").startswith("共 2 人")
    assert admin.send("人员").startswith("共 10 人")
    assert "没有找到姓名或单位包含「不存在」的人员" in admin.send("人员 不存在")


def test_admin_manages_robot_groups_in_chat(bot, chat):
    admin = chat("admin")
    assert "还没有群机器人" in admin.send("群 列表")
    assert "✓ 已添加群机器人：集团通知群｜企业微信｜已订阅" in admin.send(f"群 添加 集团通知群 企业微信 {WECOM_HOOK}")
    assert "✓ 已添加群机器人：工会群｜钉钉" in admin.send(f"群 添加 工会群 钉钉 {DING_HOOK} SECxyz")
    assert "以 SEC 开头" in admin.send(f"群 添加 坏群 钉钉 {DING_HOOK} xyz")
    assert "http:// 或 https://" in admin.send("群 添加 坏群 企业微信 ftp://x")
    assert "已退订" in admin.send("群 退订 工会群")
    listing = admin.send("群列表")
    assert "工会群｜钉钉｜已退订" in listing and "集团通知群｜企业微信｜已订阅" in listing
    assert "abc-123" not in listing
    with bot.db.session() as s:
        assert s.query(RobotGroup).filter_by(name="工会群").one().subscribed is False
    assert "已订阅" in admin.send("群 订阅 工会群")
    assert "✓ 已删除群机器人「集团通知群」" in admin.send("群 删除 集团通知群")
    assert "没有名为「集团通知群」" in admin.send("群 删除 集团通知群")
    assert "用法：群 列表" in admin.send("群 改名 工会群")
    with bot.db.session() as s:
        assert [g.name for g in s.query(RobotGroup)] == ["工会群"]


@pytest.mark.parametrize("text", ["绑定 孙立 企业微信 zhangsan", "解绑 试用 member", "角色 王海 添加 管理员",
                                  "人员", "群 列表", "群 添加 x 企业微信 https://example.com"])
def test_everyone_but_admins_is_refused(bot, chat, text):
    before = snapshot(bot)
    assert "仅限管理员使用" in chat("leader").send(text)
    assert snapshot(bot) == before


def test_help_shows_admin_commands_to_admins_only(chat):
    admin_help = chat("admin").send("帮助")
    managing = next(line for line in admin_help.splitlines() if line.startswith("· 管理："))
    for word in ("绑定", "解绑", "角色", "人员", "群"):
        assert word in managing.split("：", 1)[1].split("、")
    assert "绑定账号：绑定 姓名" in chat("admin").send("帮助 绑定")
    assert "绑定" not in chat("union").send("帮助")
    assert "不在您的权限内" in chat("union").send("帮助 绑定")
