"""The console's 管理 (admins, ``Do.PEOPLE``): people, roles and bindings (list, search, change roles,
bind and unbind — handlers/services/people.py, as the chat and the CLI — and the people import of
``python -m bot import people``), group robots, the delivery status (failed and waiting messages,
重发 as ``python -m bot outbox resend``) and the notice pauses (暂停通知 / 恢复通知, throttled recipients).

A role change or an unbinding ends the person's console sessions (bot/console/sessions.py), and
every request reads the roles afresh anyway, so it counts from the next request.
"""
import base64
import binascii
import os
import tempfile
from datetime import datetime

from flask import flash, g, redirect, request
from sqlalchemy import func, or_, select

from bot.console import access, export, sessions
from bot.console.ledgers import int_arg, text_like, url_with
from bot.console.paging import page_of
from bot.console.render import render
from bot.errors import UserError
from handlers.notices import ops as notice_ops
from handlers.notices.rules import SCHEDULED, TYPES
from handlers.people_import import COLUMNS, ImportRefused, read_people
from handlers.policy import Do, Forbidden
from handlers.services import outbox as outbox_service, people as people_service
from handlers.services.context import Context
from storage import outages, people as people_store
from storage.models import ROLES, Account, CacheEntry, OutboxMessage, Person, PersonRole, RobotGroup, Studio, Unit
from storage.statuses import Delivery

CHANNELS = people_store.CHANNEL_LABELS
IMPORT_MAX_BYTES = 2 * 1024 * 1024
STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败", "expired": "已过时效"}
PEOPLE_HEADER = ["编号", "姓名", "单位", "工作室", "角色", "账号", "手机"]
TABS = (("/console/manage", "人员与角色"), ("/console/manage/import", "导入人员"), ("/console/manage/groups", "群机器人"),
        ("/console/manage/outbox", "消息送达"), ("/console/manage/notices", "通知暂停"))


def _ctx(session):
    return Context(session, g.viewer, g.bot.clock, g.bot.config)


def _change(run, back):
    """Run a change through its service in one transaction; flash what happened or why not; back."""
    try:
        with g.bot.db.transaction() as session:
            message = run(session, _ctx(session))
        if message:
            flash(message, "ok")
    except Forbidden:
        raise
    except UserError as exc:
        flash(str(exc), "error")
    return redirect(back)


def _page(template_block, **context):
    context.setdefault("tabs", TABS)
    context.setdefault("url_with", url_with)
    context.setdefault("title", "管理")
    return render("console/manage.html", block=template_block, **context)


# -- people --------------------------------------------------------------------------------------------

def _people_query(q, role, unit):
    query = (select(Person.id, Person.name, Unit.name, Studio.name, Person.mobile)
             .outerjoin(Unit, Unit.id == Person.unit_id).outerjoin(Studio, Studio.id == Person.studio_id))
    if q:
        accounts = select(Account.person_id).where(text_like(Account.external_id, q))
        query = query.where(or_(text_like(Person.name, q), text_like(Unit.name, q), text_like(Studio.name, q),
                                text_like(Person.mobile, q), Person.id.in_(accounts)))
    if role:
        query = query.where(Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == role)))
    if unit is not None:
        query = query.where(Person.unit_id == unit)
    return query.order_by(Unit.name, Person.name, Person.id)


def _people_rows(session, found):
    ids = [r[0] for r in found]
    roles, accounts = {}, {}
    if ids:
        for person_id, role in session.execute(select(PersonRole.person_id, PersonRole.role)
                                               .where(PersonRole.person_id.in_(ids))):
            roles.setdefault(person_id, set()).add(role)
        for person_id, channel, external in session.execute(
                select(Account.person_id, Account.channel, Account.external_id)
                .where(Account.person_id.in_(ids)).order_by(Account.channel, Account.external_id)):
            accounts.setdefault(person_id, []).append(f"{CHANNELS.get(channel, channel)} {external}")
    return [{"id": pid, "name": name, "unit": unit or "", "studio": studio or "",
             "roles": "、".join(label for key, label in ROLES.items() if key in roles.get(pid, ())) or "未分配角色",
             "accounts": "、".join(accounts.get(pid, [])), "mobile": mobile or ""}
            for pid, name, unit, studio, mobile in found]


def _person_view(session, person_id):
    person = session.get(Person, person_id)
    if person is None:
        raise UserError("没有找到这个人员。")
    return {"id": person.id, "name": person.name, "unit": person.unit.name if person.unit else "",
            "studio": session.scalar(select(Studio.name).where(Studio.id == person.studio_id)) or "",
            "mobile": person.mobile or "", "roles": sorted(person.role_names),
            "accounts": [(a.channel, CHANNELS.get(a.channel, a.channel), a.external_id)
                         for a in sorted(person.accounts, key=lambda a: (a.channel, a.external_id))]}


# -- the import ----------------------------------------------------------------------------------------

def _read_upload(data, filename):
    """The people rows of an uploaded file, read by the CLI's own reader (it takes a path)."""
    suffix = os.path.splitext(filename or "")[1].lower()
    suffix = suffix if suffix in (".csv", ".xlsx", ".txt", ".tsv") else ".csv"     # the reader looks at the bytes
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "people" + suffix)
        with open(path, "wb") as out:
            out.write(data)
        return read_people(path)


def _import_rows(found):
    return [{"row": r.row, "name": r.name, "unit": r.unit, "studio": r.studio,
             "roles": "、".join(ROLES.get(k, k) for k in r.roles),
             "accounts": "、".join(f"{CHANNELS.get(c, c)} {a}" for c, a in r.accounts), "mobile": r.mobile}
            for r in found]


# -- the delivery status -------------------------------------------------------------------------------

def _outbox_query(status, channel):
    states = (Delivery.FAILED,) if status == "failed" else (Delivery.PENDING, Delivery.SENDING)
    query = select(OutboxMessage).where(OutboxMessage.status.in_(states))
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    return query.order_by(OutboxMessage.id.desc())


def _outbox_rows(session, found):
    recipients = {r.recipient for r in found}
    names = {}
    if recipients:
        for channel, external, name in session.execute(
                select(Account.channel, Account.external_id, Person.name).join(Person, Person.id == Account.person_id)
                .where(Account.external_id.in_(sorted(recipients)))):
            names[(channel, external)] = name
    local = g.bot.clock.local
    rows = []
    for r in found:
        who = f"群「{r.recipient[6:]}」" if r.recipient.startswith("group:") else \
            names.get((r.channel, r.recipient), r.recipient)
        text = str((r.payload or {}).get("text") or "")
        rows.append({"id": r.id, "channel": CHANNELS.get(r.channel, r.channel), "recipient": who,
                     "kind": f"通知·{TYPES.get(r.notice, r.notice)}" if r.notice else "回复",
                     "status": STATUS_NAMES.get(r.status, r.status), "failed": r.status == Delivery.FAILED,
                     "attempts": r.attempts, "created": local(r.created_at).strftime("%m-%d %H:%M"),
                     "next": local(r.next_attempt_at).strftime("%m-%d %H:%M") if r.status != Delivery.FAILED else "",
                     "error": r.last_error or "", "text": text[:60] + ("…" if len(text) > 60 else "")})
    return rows


def register(bp, bot):

    @bp.get("/manage")
    @access.page(Do.PEOPLE, "人员管理")
    def manage_people():
        q = request.args.get("q", "").strip()[:100]
        role = request.args.get("role", "")
        if role and role not in ROLES:
            raise UserError("没有这个角色。")
        unit = int_arg("unit")
        with g.bot.db.reading() as session:
            query = _people_query(q, role, unit)
            if request.args.get("export"):
                rows = _people_rows(session, session.execute(query).all())
            else:
                page = page_of(session, query, g.bot.config.console_page_size)
                rows = _people_rows(session, page.rows)
            units = [tuple(u) for u in session.execute(select(Unit.id, Unit.name).order_by(Unit.name))]
        if request.args.get("export"):
            keys = ["id", "name", "unit", "studio", "roles", "accounts", "mobile"]
            return export.xlsx("人员名单.xlsx", "人员名单", PEOPLE_HEADER, [[r[k] for k in keys] for r in rows],
                               caption="人员名单" + (f"（检索：{q}）" if q else ""), object_type="people",
                               unit_id=unit)
        return _page("people", tab="/console/manage", rows=rows, page=page, q=q, role=role, unit=unit,
                     units=units, roles=ROLES)

    @bp.get("/manage/person/<int:person_id>")
    @access.page(Do.PEOPLE, "人员管理")
    def manage_person(person_id):
        with g.bot.db.reading() as session:
            person = _person_view(session, person_id)
        return _page("person", tab="/console/manage", person=person, roles=ROLES, channels=CHANNELS)

    @bp.post("/manage/person/<int:person_id>/roles")
    @access.page(Do.PEOPLE, "调整角色")
    def manage_roles(person_id):
        wanted = {r for r in request.form.getlist("roles") if r in ROLES}
        back = f"/console/manage/person/{person_id}"

        def run(session, ctx):
            person = session.get(Person, person_id)
            if person is None:
                raise UserError("没有找到这个人员。")
            current = set(person.role_names)
            outcome = people_service.change_roles(ctx, person, add=sorted(wanted - current),
                                                  remove=sorted(current - wanted))
            if outcome.what == "unchanged":
                return "角色没有变化。"
            if person.id != g.viewer.person_id:
                sessions.end_all(session, person.id, g.bot.clock.wall_utcnow())
            return f"已调整{person.name}的角色：{people_store.roles_text(person)}。其管理后台的登录已结束，下次请求起按新角色生效。"
        return _change(run, back)

    @bp.post("/manage/person/<int:person_id>/bind")
    @access.page(Do.PEOPLE, "绑定账号")
    def manage_bind(person_id):
        channel = request.form.get("channel", "")
        account = request.form.get("account", "").strip()

        def run(session, ctx):
            person = session.get(Person, person_id)
            if person is None:
                raise UserError("没有找到这个人员。")
            if channel not in CHANNELS:
                raise UserError("请选择账号所在的平台。")
            if not account or len(account) > 128 or any(c.isspace() for c in account):
                raise UserError("请填写账号（不含空格，最多 128 个字符）。")
            outcome = people_service.bind(ctx, person, channel, account)
            return "该账号已绑定到此人。" if outcome.what == "unchanged" else \
                f"已将{CHANNELS[channel]}账号 {account} 绑定到{person.name}。"
        return _change(run, f"/console/manage/person/{person_id}")

    @bp.post("/manage/person/<int:person_id>/unbind")
    @access.page(Do.PEOPLE, "解绑账号")
    def manage_unbind(person_id):
        channel = request.form.get("channel", "")
        account = request.form.get("account", "")

        def run(session, ctx):
            if channel not in CHANNELS:
                raise UserError("没有这个平台。")
            owner = people_store.account_owner(session, channel, account)
            if owner is not None and owner.id != person_id:
                raise UserError("该账号不属于此人，请刷新页面。")
            outcome = people_service.unbind(ctx, channel, account)
            sessions.end_all(session, outcome["person"].id, g.bot.clock.wall_utcnow())
            return f"已解绑{CHANNELS[channel]}账号 {account}。用它登录的管理后台会话已结束。"
        return _change(run, f"/console/manage/person/{person_id}")

    @bp.route("/manage/import", methods=["GET", "POST"])
    @access.page(Do.PEOPLE, "导入人员")
    def manage_import():
        context = dict(tab="/console/manage/import", columns=COLUMNS, preview=None, problems=[], data="",
                       filename="", summary="")
        if request.method == "GET":
            return _page("import", **context)
        apply = request.form.get("apply") == "1"
        if apply:
            try:
                data = base64.b64decode(request.form.get("data", ""), validate=True)
            except (binascii.Error, ValueError):
                raise UserError("文件内容已损坏，请重新上传。") from None
            filename = request.form.get("filename", "people.csv")[:100]
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise UserError("请选择要导入的 CSV 或 XLSX 文件。")
            data, filename = upload.read(IMPORT_MAX_BYTES + 1), upload.filename[:100]
        if len(data) > IMPORT_MAX_BYTES:
            raise UserError("文件过大（超过 2 MB），请分批导入。")
        context.update(filename=filename)
        try:
            found, problems = _read_upload(data, filename)
            context["preview"] = _import_rows(found)
            with g.bot.db.transaction() as session:
                outcome = people_service.import_people(_ctx(session), found, problems, dry_run=not apply)
            context["summary"] = outcome["summary"]
            if apply:
                context["preview"], context["applied"] = None, True
            else:
                context["data"] = base64.b64encode(data).decode()
        except ImportRefused as exc:
            context["problems"] = exc.lines
        return _page("import", **context)

    @bp.get("/manage/groups")
    @access.page(Do.PEOPLE, "群机器人")
    def manage_groups():
        with g.bot.db.reading() as session:
            groups = [{"id": r.id, "name": r.name, "channel": CHANNELS.get(r.channel, r.channel),
                       "webhook": people_store.masked_webhook(r.webhook), "subscribed": r.subscribed}
                      for r in people_store.list_groups(session)]
        return _page("groups", tab="/console/manage/groups", groups=groups)

    @bp.post("/manage/groups")
    @access.page(Do.PEOPLE, "群机器人")
    def manage_group_save():
        name = request.form.get("name", "").strip()[:100]
        channel = request.form.get("channel", "")
        webhook = request.form.get("webhook", "").strip()[:500]
        secret = request.form.get("secret", "").strip()[:200]

        def run(session, ctx):
            if not name:
                raise UserError("请填写群名称。")
            outcome = people_service.save_group(ctx, name, channel, webhook, secret)
            return f"{'已添加' if outcome.what == 'created' else '已更新'}群机器人「{name}」。"
        return _change(run, "/console/manage/groups")

    @bp.post("/manage/groups/<int:group_id>/<verb>")
    @access.page(Do.PEOPLE, "群机器人")
    def manage_group_change(group_id, verb):
        def run(session, ctx):
            group = session.get(RobotGroup, group_id)
            if group is None:
                raise UserError("没有找到这个群机器人。")
            name = group.name
            if verb == "remove":
                people_service.remove_group(ctx, group)
                return f"已删除群机器人「{name}」。"
            if verb in ("subscribe", "unsubscribe"):
                people_service.subscribe_group(ctx, group, verb == "subscribe")
                return f"群「{name}」{'将' if verb == 'subscribe' else '不再'}接收通知。"
            raise UserError("没有这项操作。")
        return _change(run, "/console/manage/groups")

    @bp.get("/manage/outbox")
    @access.page(Do.PEOPLE, "消息送达")
    def manage_outbox():
        status = "waiting" if request.args.get("status") == "waiting" else "failed"
        channel = request.args.get("channel", "")
        if channel and channel not in CHANNELS:
            raise UserError("没有这个平台。")
        with g.bot.db.reading() as session:
            page = page_of(session, _outbox_query(status, channel), g.bot.config.console_page_size)
            rows = _outbox_rows(session, [r[0] for r in page.rows])
            counts = dict(session.execute(select(OutboxMessage.status, func.count())
                                          .where(OutboxMessage.status.in_((Delivery.FAILED, Delivery.PENDING,
                                                                           Delivery.SENDING)))
                                          .group_by(OutboxMessage.status)).all())
            down = outages.every(session)
        outage_rows = [{"channel": CHANNELS.get(c, c), "since": _local_iso(r.get("since")), "error": r.get("error", "")}
                       for c, r in sorted(down.items())]
        return _page("outbox", tab="/console/manage/outbox", rows=rows, page=page, state=status, channel=channel,
                     channels=CHANNELS, failed=counts.get(Delivery.FAILED, 0),
                     waiting=counts.get(Delivery.PENDING, 0) + counts.get(Delivery.SENDING, 0), outages=outage_rows)

    @bp.post("/manage/outbox/resend")
    @access.page(Do.PEOPLE, "重发消息")
    def manage_resend():
        every = request.form.get("all") == "1"
        ids = [int(v) for v in request.form.getlist("ids") if v.isdigit() and len(v) < 19]
        channel = request.form.get("channel", "")
        channel = channel if channel in CHANNELS else None

        def run(session, ctx):
            if not every and not ids:
                raise UserError("请勾选要重发的消息，或选择「全部重发」。")
            count = outbox_service.resend(ctx, None if every else ids, channel)["count"]
            return (f"已将 {count} 条失败的消息重新排队，由后台发送。企业微信的通知在 4 小时内重复发送会被企业微信去重"
                    "（收件人只看到一次）；钉钉和回复没有去重，可能重复送达。")
        return _change(run, "/console/manage/outbox")

    @bp.get("/manage/notices")
    @access.page(Do.PEOPLE, "通知暂停")
    def manage_notices():
        now = g.bot.clock.wall_utcnow()
        with g.bot.db.reading() as session:
            paused = set(notice_ops.paused_types(session))
            holds = session.execute(select(CacheEntry.key, CacheEntry.expires_at)
                                    .where(CacheEntry.key.startswith("pause:"), CacheEntry.expires_at > now)
                                    .order_by(CacheEntry.expires_at)).all()
        kinds = [{"kind": k, "name": TYPES[k], "paused": k in paused} for k in SCHEDULED]
        local = g.bot.clock.local
        held = []
        for key, until in holds:
            _, channel, recipient = key.split(":", 2)
            held.append({"channel": CHANNELS.get(channel, channel), "recipient": recipient,
                         "until": local(until).strftime("%m-%d %H:%M:%S")})
        return _page("notices", tab="/console/manage/notices", kinds=kinds, held=held)

    @bp.post("/manage/notices/<kind>/<verb>")
    @access.page(Do.NOTICES, "暂停通知")
    def manage_notice_change(kind, verb):
        def run(session, ctx):
            if kind not in SCHEDULED or verb not in ("pause", "resume"):
                raise UserError("没有这种定时通知。")
            if verb == "pause":
                outcome = notice_ops.pause(ctx, kind)
                return f"「{TYPES[kind]}」已暂停，定时任务将跳过它。" if outcome.what == "paused" else \
                    f"「{TYPES[kind]}」已是暂停状态。"
            outcome = notice_ops.resume(ctx, kind)
            return f"已恢复「{TYPES[kind]}」，下次定时任务起照常发送。" if outcome.what == "resumed" else \
                f"「{TYPES[kind]}」没有暂停。"
        return _change(run, "/console/manage/notices")


def _local_iso(text):
    try:
        return g.bot.clock.local(datetime.fromisoformat(text)).strftime("%m-%d %H:%M")
    except (TypeError, ValueError):
        return ""
