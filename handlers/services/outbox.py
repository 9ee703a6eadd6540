"""The delivery status for admins: failed messages sent again (the CLI's ``outbox resend``), audited."""
from handlers import policy
from handlers.policy import Do
from handlers.services.context import Outcome
from storage import deliveries


def resend(ctx, ids=None, channel=None):
    """Make failed rows pending again (``ids`` None: every failed row, of ``channel`` if given); the
    worker delivers them. Returns Outcome ``resent`` with ``count``."""
    policy.require(ctx.actor, Do.PEOPLE, "重发消息")
    count = deliveries.resend(ctx.session, None if ids is None else list(ids), ctx.clock.wall_utcnow(), channel)
    ctx.audit("outbox.resend", object_type="outbox", object_id=",".join(map(str, ids or ()))[:64] or "all",
              key=channel or "", after={"count": count}, detail=f"重发 {count} 条失败的消息")
    return Outcome("resent", {"count": count})
