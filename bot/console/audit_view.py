"""The console's 审计 (``Do.AUDIT_READ``): the audit_log within the viewer's reach (handlers/policy.py
``audit_scope``: admins and the group union all rows, a unit union its unit's studios' rows and its
own, others their own), filtered by time, actor, action, studio or unit, result and free text, paged
and exported; the console's own rows (sign-ins, refusals with the client address, exports of
personal data) among them. Values before and after are shown as text, never as markup."""
import json
from datetime import date, datetime, time, timedelta, timezone

from flask import g, request
from sqlalchemy import or_, select

from bot.console import access, export
from bot.console.ledgers import int_arg, json_like, text_like, url_with
from bot.console.paging import page_of
from bot.console.render import render
from bot.errors import UserError
from handlers import policy
from handlers.policy import Do
from handlers.ledgers import schema
from storage.models import ROLES, AuditEntry, Studio, Unit

ACTIONS = {
    "console.signin": "登录后台", "console.signout": "退出后台", "console.refused": "拒绝访问",
    "console.export": "导出", "ledger.create": "新增台账", "ledger.update": "修改台账", "ledger.delete": "删除台账",
    "ledger.attach": "台账附件", "answer.set": "填写申报表", "people.roles": "调整角色", "people.bind": "绑定账号",
    "people.unbind": "解绑账号", "people.import": "导入人员", "group.save": "保存群机器人",
    "group.remove": "删除群机器人", "group.subscribe": "群机器人订阅", "outbox.resend": "重发消息",
    "notice.pause": "暂停通知", "notice.resume": "恢复通知", "audit.purge": "清理审计记录",
}
# an action not named above reads as its family and its verb ("review.return" → 审批·退回修改)
FAMILIES = {"review": "审批", "assessment": "考核验收", "publicity": "公示", "certificate": "证书", "rectify": "整改",
            "selfcheck": "季度自查", "document": "文件", "spotcheck": "抽查", "studio": "工作室", "seven": "七有",
            "proof": "证明材料", "funding": "经费", "budget": "专项科研经费", "application": "申报表",
            "records": "记录", "ledger": "台账", "people": "人员", "console": "后台"}
VERBS = {"submit": "提交", "resubmit": "重新提交", "approve": "同意", "return": "退回修改", "reject": "不同意",
         "transfer": "转交", "withdraw": "撤回", "remind": "催办", "remind_applicant": "催办申报", "reopen": "重新开放",
         "name": "命名", "named": "已命名", "revoke": "撤销称号", "record": "登记", "draw": "抽取", "result": "结果",
         "open": "开始", "close": "结束", "invite": "邀请专家", "assign": "分配", "unassign": "撤回分配",
         "score": "评分", "save": "保存", "tie": "排定并列", "item_add": "增加评分项", "item_change": "修改评分项",
         "item_remove": "删除评分项", "publish": "发布", "propose": "拟定", "objection": "登记异议",
         "objection_decide": "异议处理", "decide": "决定", "issue": "印发", "void": "作废", "plaque": "牌匾",
         "render": "生成", "order": "限期整改", "report": "报告完成", "verify": "核实", "confirm": "确认",
         "refuse": "不认可", "answer": "回答", "begin": "开始", "add": "新增", "remove": "删除", "late_window": "延期",
         "rejudge": "重新判断", "achievements": "成果库导出", "brochure": "成果汇编", "sheet": "上报表",
         "publicity": "公示名单", "application": "申报表", "package": "材料包", "ledgers": "台账导出"}


def action_label(action):
    """The Chinese name of an audit action: its own, else its family and verb, else the code itself."""
    if action in ACTIONS:
        return ACTIONS[action]
    family, _, verb = action.partition(".")
    if family in FAMILIES and verb:
        return f"{FAMILIES[family]}·{VERBS.get(verb, verb)}"
    return action


CHANNELS = {"wecom": "企业微信", "dingtalk": "钉钉", "web": "试用", "console": "管理后台", "cli": "命令行",
            "worker": "后台任务"}
OBJECTS = {"ledger_entry": "台账", "person": "人员", "page": "页面", "application": "申报表", "signin": "登录",
           "list": "列表", "ledger": "台账", "people": "人员名单", "audit_log": "审计记录", "robot_group": "群机器人",
           "outbox": "消息", "notice": "通知", "review_step": "审批步骤", "studio": "工作室"}
EXTRA_LABELS = {"hold": "确认状态", "hold_reason": "待确认原因", "over_balance": "超出余额", "payee": "收款方",
                "beneficiary": "受益方", "project": "列支立项", "budget": "专项科研经费预算（万元）",
                "budget_state": "预算状态", "grant": "命名经费", "channel": "平台", "account": "账号"}
VALUE_WORDS = {"hold": schema.HOLD_LABELS, "budget_state": schema.BUDGET_STATES, "payee": schema.PAYEES,
               "beneficiary": schema.BENEFICIARIES}
HEADER = ["编号", "时间", "操作人", "角色", "渠道", "IP", "操作", "对象", "工作室", "字段", "修改前", "修改后", "结果", "说明"]
EXPORT_LIMIT = 20000
VALUE_LIMIT = 2000


def _labels(entry, value):
    """Chinese labels for the keys of a ledger entry's data (its mini-form's questions)."""
    if entry.object_type != "ledger_entry" or not isinstance(value, dict) or entry.key not in schema.TITLES:
        return EXTRA_LABELS
    try:
        form = schema.form_for(entry.key, value.get(schema.kind_key(entry.key)))
    except (KeyError, ValueError, TypeError):
        return EXTRA_LABELS
    return {**EXTRA_LABELS, **{item.key: item.label for item in form.items}}


def readable(value, labels=None):
    """A stored before/after value as plain text (escaped by the template like any text)."""
    labels = labels or {}
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        value = {k: VALUE_WORDS.get(k, {}).get(v, v) if isinstance(v, str) else v for k, v in value.items()}
        text = "\n".join(f"{labels.get(k, k)}：{readable(v) if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)}"
                         for k, v in value.items())
    elif isinstance(value, list):
        text = "、".join(readable(v) if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)
                        for v in value)
    else:
        text = str(value)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + "…"


def _day(name):
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError("日期应写成 2025-05-20。") from None


def _utc(day):
    """Local midnight of ``day`` as naive UTC (the audit's clock)."""
    return datetime.combine(day, time(), tzinfo=g.bot.clock.tz).astimezone(timezone.utc).replace(tzinfo=None)


def _filters():
    result = request.args.get("result", "")
    if result not in ("", "ok", "refused"):
        raise UserError("结果只能是成功或拒绝。")
    return {"since": _day("since"), "until": _day("until"), "actor": request.args.get("actor", "").strip()[:100],
            "action": request.args.get("action", "").strip()[:40], "studio": int_arg("studio"),
            "unit": int_arg("unit"), "result": result, "q": request.args.get("q", "").strip()[:100]}


def _query(viewer, f):
    query = select(AuditEntry).where(policy.audit_scope(viewer))
    if f["since"]:
        query = query.where(AuditEntry.at >= _utc(f["since"]))
    if f["until"]:
        query = query.where(AuditEntry.at < _utc(f["until"] + timedelta(days=1)))
    if f["actor"]:
        query = query.where(text_like(AuditEntry.actor, f["actor"]))
    if f["action"]:
        query = query.where(AuditEntry.action == f["action"]) if "." in f["action"] else \
            query.where(AuditEntry.action.like(f["action"] + ".%"))
    if f["studio"] is not None:
        query = query.where(AuditEntry.studio_id == f["studio"])
    if f["unit"] is not None:
        query = query.where(or_(AuditEntry.unit_id == f["unit"],
                                AuditEntry.studio_id.in_(select(Studio.id).where(Studio.unit_id == f["unit"]))))
    if f["result"]:
        query = query.where(AuditEntry.result == f["result"])
    if f["q"]:
        q = f["q"]
        query = query.where(or_(*(text_like(column, q) for column in (
            AuditEntry.actor, AuditEntry.action, AuditEntry.detail, AuditEntry.key, AuditEntry.object_id,
            AuditEntry.ip, AuditEntry.object_type)), json_like(AuditEntry.before, q), json_like(AuditEntry.after, q)))
    return query.order_by(AuditEntry.id.desc())


def _rows(session, entries):
    studio_ids = {e.studio_id for e in entries if e.studio_id}
    studios = dict(session.execute(select(Studio.id, Studio.name).where(Studio.id.in_(sorted(studio_ids)))).all()) \
        if studio_ids else {}
    local = g.bot.clock.local
    return [{"id": e.id, "at": local(e.at).strftime("%Y-%m-%d %H:%M:%S"), "actor": e.actor or "（系统）",
             "role": "、".join(ROLES.get(r, r) for r in e.role.split(",") if r), "ip": e.ip,
             "channel": CHANNELS.get(e.channel, e.channel), "action": action_label(e.action), "code": e.action,
             "object": f"{OBJECTS.get(e.object_type, e.object_type)} {e.object_id}".strip(),
             "studio": studios.get(e.studio_id, ""), "key": _key(e),
             "before": readable(e.before, _labels(e, e.before)), "after": readable(e.after, _labels(e, e.after)),
             "result": "拒绝" if e.result == "refused" else "成功", "refused": e.result == "refused",
             "detail": e.detail or ""} for e in entries]


def _key(entry):
    if entry.action == "console.export":
        return f"个人信息：{entry.key}" if entry.key else ""
    if entry.object_type == "ledger_entry":
        return schema.TITLES.get(entry.key, entry.key)
    return entry.key


def _choices(session, viewer):
    scope = policy.audit_scope(viewer)
    actions = sorted(a for (a,) in session.execute(select(AuditEntry.action).where(scope).distinct()))
    studios = session.execute(select(Studio.id, Studio.name).where(policy.studio_scope(viewer))
                              .order_by(Studio.name)).all() if not policy.sees_all(viewer) else \
        session.execute(select(Studio.id, Studio.name).order_by(Studio.name)).all()
    units = session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all() if policy.sees_all(viewer) else []
    return ([(a, action_label(a)) for a in actions], [tuple(s) for s in studios], [tuple(u) for u in units])


def register(bp, bot):

    @bp.get("/audit")
    @access.page(Do.AUDIT_READ, "审计")
    def audit_page():
        viewer, f = g.viewer, _filters()
        with g.bot.db.reading() as session:
            query = _query(viewer, f)
            if request.args.get("export"):
                rows = _rows(session, session.scalars(query.limit(EXPORT_LIMIT)).all())
            else:
                page = page_of(session, query, g.bot.config.console_page_size)
                rows = _rows(session, [r[0] for r in page.rows])
                actions, studios, units = _choices(session, viewer)
        if request.args.get("export"):
            keys = ["id", "at", "actor", "role", "channel", "ip", "action", "object", "studio", "key", "before",
                    "after", "result", "detail"]
            return export.xlsx("审计记录.xlsx", "审计记录", HEADER, [[r[k] for k in keys] for r in rows],
                               caption="审计记录" + _caption(f), object_type="audit_log",
                               studio_id=f["studio"], unit_id=f["unit"])
        return render("console/audit.html", block="list", f=f, rows=rows, page=page, actions=actions,
                      studios=studios, units=units, url_with=url_with, title="审计",
                      everything=policy.sees_all(viewer))


def _caption(f):
    parts = []
    if f["since"] or f["until"]:
        parts.append(f"{f['since'] or '…'} 至 {f['until'] or '…'}")
    for key, label in (("actor", "操作人"), ("action", "操作"), ("q", "检索")):
        if f[key]:
            parts.append(f"{label}：{f[key]}")
    if f["result"]:
        parts.append("拒绝" if f["result"] == "refused" else "成功")
    return f"（{'，'.join(parts)}）" if parts else ""
