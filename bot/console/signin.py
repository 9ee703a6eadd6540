"""Signing in and out of the console: the sign-in page (the messengers' buttons; with the try-out
page on, the demo identities as /try offers them), the demo sign-in, sign-out, and the page for a
messenger user the assistant holds no role for."""
from flask import abort, g, redirect, request
from sqlalchemy import select

from bot.console import access
from bot.console.render import render
from storage.models import ROLES, Account, Person


def register(bp, bot):

    @bp.get("/login")
    @access.public
    def login():
        if g.viewer is not None:
            return redirect(access.next_path())
        return render("console/login.html", demo=_demo_identities(bot), next=access.next_path(),
                      methods=signin_methods(bot))

    @bp.post("/login/demo")
    @access.public
    def login_demo():
        if not bot.config.try_enabled:
            abort(404)
        try_id = request.form.get("who", "")
        with bot.db.reading() as session:
            person = session.scalar(select(Person).join(Account, Account.person_id == Person.id)
                                    .where(Account.channel == "web", Account.external_id == try_id))
            if person is not None:
                session.expunge(person)
        if person is None:
            access.refuse("演示身份不存在", object_type="signin", object_id=try_id[:64])
            return render("console/message.html", status=403, title="无法登录", message="没有这个演示身份。")
        if not person.role_names:
            return no_role()
        access.sign_in(bot, person, "demo", f"web:{try_id}")
        return redirect(access.next_path())

    @bp.post("/logout")
    def logout():
        access.sign_out(bot)
        return redirect(access.SIGNIN)


def no_role():
    """A messenger user with no role in the assistant: a clear page, never an empty console."""
    return render("console/message.html", status=403, title="尚未开通",
                  message="您的账号尚未绑定到工作室或工会的角色，暂时不能使用管理后台。"
                          "请联系本单位工会或集团工会办公室为您开通。")


def signin_methods(bot):
    """The messengers' sign-in buttons this deployment offers: [(label, path)]."""
    methods = []
    if bot.config.wecom_corp_id:
        methods.append(("企业微信登录", "/console/login/wecom"))
    if bot.config.dingtalk_app_key:
        methods.append(("钉钉登录", "/console/login/dingtalk"))
    return methods


def _demo_identities(bot):
    if not bot.config.try_enabled:
        return []
    with bot.db.reading() as session:
        rows = session.execute(select(Account.external_id, Person.name, Person.id)
                               .join(Person, Person.id == Account.person_id)
                               .where(Account.channel == "web").order_by(Person.id)).all()
        roles = {p.id: p.role_names for p in session.scalars(select(Person).where(
            Person.id.in_([r.id for r in rows])))}
    return [(try_id, name, "、".join(ROLES.get(r, r) for r in sorted(roles.get(pid, ()))))
            for try_id, name, pid in rows]
