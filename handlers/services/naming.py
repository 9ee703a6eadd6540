"""Naming (命名): the group union names an approved studio, once, in the second half of its year, after its
考核验收 (a closed round that scored it, handlers/services/assessment.py), within the quota.

Naming records the one-off grant in the studio's funding ledger and announces it to the groups
and the leader (once per studio and date). A studio already named is not named again (the title
and its grant are one-off) unless its title was withdrawn and it applied anew.
"""
from decimal import Decimal

from bot.errors import UserError
from bot.forms.parsers import format_wan
from handlers import policy
from handlers.notices import run as notices
from handlers.policy import Do
from handlers.review.steps import names_left, naming_window
from handlers.services.assessment import assessed
from handlers.services.context import Outcome
from storage import ledgers
from storage.statuses import AppStatus, StudioStatus


def name(ctx, app, named_on=None):
    """命名 ``app``'s studio on ``named_on`` (default today): returns the outcome with the quota left."""
    policy.require(ctx.actor, Do.NAME, "命名")
    named_on = named_on or ctx.clock.today()
    studio = app.studio
    named, left = check(ctx, app, named_on)
    app.status, studio.status, studio.named_on = AppStatus.NAMED, StudioStatus.NAMED, named_on
    ctx.audit("review.name", object_type="application", object_id=app.id, application_id=app.id,
              studio_id=studio.id, unit_id=studio.unit_id, detail=named_on.strftime("%Y%m%d"),
              before={"status": AppStatus.APPROVED}, after={"status": AppStatus.NAMED})
    grant = ctx.config.grant_wan
    before = ledgers.grant_of(ctx.session, studio.id)
    entry = ledgers.record_grant(ctx.session, studio.id, format_wan(Decimal(str(grant))), named_on,
                                 ctx.actor, unit=ctx.config.union_name)
    # the announcement congratulates the studio's leader and tells the groups, once per (studio, date)
    notices.announce_naming(ctx.session, ctx.config, [studio], named_on)
    return Outcome("named", {"app": app, "studio": studio, "named_on": named_on, "grant": grant,
                             "grant_entry": entry, "grant_before": before,
                             "left": left - 1, "quota": ctx.config.naming_quota})


def check(ctx, app, named_on, *, approved=True):
    """Refuse (UserError) what naming ``app`` on ``named_on`` would refuse; (named, left) of the quota.
    ``approved=False``: the group step is still to be decided (the decision after 公示 names at once)."""
    studio = app.studio
    if app.status == AppStatus.NAMED or studio.status == StudioStatus.NAMED:
        raise UserError(f"「{studio.name}」已于 {studio.named_on:%Y%m%d} 命名，称号和一次性经费不重复授予。")
    if approved and app.status != AppStatus.APPROVED:
        raise UserError(f"「{studio.name}」{app.year} 年度申报尚未审批通过，不能命名。")
    first, last = naming_window(ctx.config, app.year)
    if not first <= named_on <= last:
        raise UserError(f"不能在 {named_on:%Y%m%d} 命名：{app.year} 年度申报在 5 月底截止、6 至 8 月考核验收，"
                        f"下半年适时命名，命名日期应在 {first:%Y%m%d} 至 {last:%Y%m%d} 之间。")
    if not assessed(ctx.session, app):
        raise UserError(f"「{studio.name}」{app.year} 年度申报还没有考核验收记录（评审专家评分、考核验收结束后才能命名）。")
    named, left = names_left(ctx.session, ctx.config, app.year)
    if left <= 0:
        raise UserError(f"{app.year} 年度命名名额（{ctx.config.naming_quota} 个）已用完，已命名 {named} 个，"
                        "不能再命名。")
    return named, left
