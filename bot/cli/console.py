"""`python -m bot console ...`: the console's break-glass administrators (create, shown the TOTP
secret once), unlocking a login or a client address, and the live sign-in sessions."""
import sys

import click

from bot.cli.common import fail, make_bot
from bot.console import signin_admin
from bot.console.sessions import live
from storage import audit
from storage.actor import Actor
from storage.console import ConsoleSession
from storage.models import Person


@click.group(name="console")
def console():
    """The office's console (/console): administrators, locks, sessions."""


@console.group(name="admin")
def admin():
    """Break-glass administrators (password + TOTP), for when the messengers cannot be used."""


@admin.command("create")
@click.argument("login")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def admin_create(login, name, password_stdin):
    """Create administrator LOGIN named NAME; prints the TOTP secret and URI once."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    bot = make_bot(migrate=True)
    try:
        with bot.db.transaction() as session:
            try:
                person, secret, uri = signin_admin.create(session, bot.config, login, name, password,
                                                          bot.clock.wall_utcnow())
            except signin_admin.AdminProblem as exc:
                fail(str(exc))
            audit.record(session, Actor.system("cli", channel="cli"), "console.admin_create",
                         at=bot.clock.utcnow(), object_type="person", object_id=person.id,
                         key=login.strip().lower(), detail=f"管理员 {person.name}")
    finally:
        bot.db.dispose()
    click.echo(f"已创建管理员 {login.strip().lower()}（{name.strip()}）。")
    click.echo("请立即把下面的密钥添加到身份验证器（如 Microsoft Authenticator、FreeOTP），此后不再显示：")
    click.echo(f"TOTP 密钥：{secret}")
    click.echo(f"otpauth URI：{uri}")


@console.command("unlock")
@click.argument("target")
def unlock(target):
    """Unlock TARGET: an administrator's login or a client address."""
    bot = make_bot(migrate=True)
    try:
        with bot.db.transaction() as session:
            keys = signin_admin.unlock(session, target)
            if keys:
                audit.record(session, Actor.system("cli", channel="cli"), "console.unlock",
                             at=bot.clock.utcnow(), object_type="signin", object_id=target[:64],
                             detail="、".join(keys))
    finally:
        bot.db.dispose()
    click.echo(f"已解除 {target} 的锁定。" if keys else f"{target} 没有失败记录或锁定。")


@console.command("sessions")
def sessions():
    """List the live console sessions (who, through what, from where, since when)."""
    bot = make_bot(migrate=True)
    try:
        now = bot.clock.wall_utcnow()
        with bot.db.reading() as session:
            rows = session.execute(live(now, bot.config).add_columns(Person.name)
                                   .join(Person, Person.id == ConsoleSession.person_id)).all()
            lines = [f"{name}\t{row.via}\t{row.account}\t{row.ip}\t{row.created_at:%Y-%m-%d %H:%M}\t"
                     f"{row.seen_at:%H:%M} UTC" for row, name in rows]
    finally:
        bot.db.dispose()
    click.echo("\n".join(["姓名\t方式\t账号\t地址\t登录于\t最近活动"] + lines) if lines else "没有在线的会话。")
