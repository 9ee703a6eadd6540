"""People administration: bind and unbind messenger accounts, change roles, manage group robots — audited.

Only admins (handlers/policy.py ``Do.PEOPLE``). A role revoked or an account unbound takes effect
on the person's next message or console request, since both read the bindings each time.
"""
from bot.errors import UserError
from handlers import policy
from handlers.people_import import import_people_rows
from handlers.policy import Do
from handlers.services.context import Outcome
from storage import people as store
from storage.models import ROLES


def _audit(ctx, action, person=None, before=None, after=None, detail="", object_type="person", object_id=None):
    ctx.audit(action, object_type=object_type, object_id=object_id if object_id is not None else
              (person.id if person else ""), unit_id=person.unit_id if person else None,
              studio_id=person.studio_id if person else None, before=before, after=after, detail=detail)


def bind(ctx, person, channel, account):
    policy.require(ctx.actor, Do.PEOPLE, "绑定账号")
    owner = store.account_owner(ctx.session, channel, account)
    label = store.CHANNEL_LABELS[channel]
    if owner is person:
        return Outcome("unchanged", {"person": person})
    if owner is not None:
        raise UserError(f"{label}账号 {account} 已绑定到{owner.name}。如需改绑，请先解绑。")
    store.bind(ctx.session, person, channel, account)
    _audit(ctx, "people.bind", person, after={"channel": channel, "account": account})
    return Outcome("bound", {"person": person})


def unbind(ctx, channel, account):
    policy.require(ctx.actor, Do.PEOPLE, "解绑账号")
    owner = store.account_owner(ctx.session, channel, account)
    if owner is None:
        raise UserError(f"没有找到{store.CHANNEL_LABELS[channel]}账号「{account}」的绑定。")
    store.unbind(ctx.session, channel, account)
    _audit(ctx, "people.unbind", owner, before={"channel": channel, "account": account})
    return Outcome("unbound", {"person": owner})


def change_roles(ctx, person, add=(), remove=()):
    """Add and remove roles; the last admin keeps the admin role."""
    policy.require(ctx.actor, Do.PEOPLE, "调整角色")
    current = set(person.role_names)
    removing = [r for r in remove if r in current]
    if "admin" in removing and store.admin_count(ctx.session) <= 1:
        raise UserError(f"{person.name}是唯一的管理员，不能移除其管理员角色。请先给另一人添加管理员角色。")
    new = (current | set(add)) - set(remove)
    changed = sorted(new ^ current)
    if changed:
        store.set_roles(person, new)
        ctx.session.flush()
        _audit(ctx, "people.roles", person, before=sorted(current), after=sorted(new),
               detail="、".join(ROLES[r] for r in changed))
    return Outcome("changed" if changed else "unchanged", {"person": person, "changed": changed})


def import_people(ctx, rows, problems=(), dry_run=False):
    """The people import (rows read by handlers/people_import.py ``read_people``): the CLI's own
    check-then-write, by an admin; raises ImportRefused with the bad rows, audited when written."""
    policy.require(ctx.actor, Do.PEOPLE, "导入人员")
    summary = import_people_rows(ctx.session, rows, problems, dry_run=dry_run)
    if not dry_run:
        ctx.audit("people.import", object_type="people", object_id=len(rows), after={"rows": len(rows)},
                  detail=summary)
    return Outcome("checked" if dry_run else "imported", {"summary": summary, "rows": len(rows)})


def save_group(ctx, name, channel, webhook, secret=""):
    policy.require(ctx.actor, Do.PEOPLE, "群机器人")
    problems = store.group_problems(channel, webhook, secret)
    if problems:
        raise UserError("；".join(problems) + "。")
    group, created = store.save_group(ctx.session, name, channel, webhook, secret)
    _audit(ctx, "group.save", object_type="robot_group", object_id=group.id,
           after={"name": name, "channel": channel, "webhook": store.masked_webhook(webhook)})
    return Outcome("created" if created else "updated", {"group": group})


def remove_group(ctx, group):
    policy.require(ctx.actor, Do.PEOPLE, "群机器人")
    store.remove_group(ctx.session, group.name)
    _audit(ctx, "group.remove", object_type="robot_group", object_id=group.id, before={"name": group.name})
    return Outcome("removed", {"group": group})


def subscribe_group(ctx, group, subscribed):
    policy.require(ctx.actor, Do.PEOPLE, "群机器人")
    before = group.subscribed
    group.subscribed = subscribed
    _audit(ctx, "group.subscribe", object_type="robot_group", object_id=group.id, before=before, after=subscribed)
    return Outcome("changed", {"group": group})
