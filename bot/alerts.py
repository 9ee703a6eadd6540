"""Telling the admins in chat that messages cannot go out for a configuration reason.

A send that fails because a channel is not configured (or the platform refuses our credentials)
would otherwise only be in the log. Every admin gets one message per channel and reason each
hour (a dedupe key), on every account they are bound on.
"""
import hashlib

from sqlalchemy import select

from bot.message import Outgoing
from storage.models import Person, PersonRole
from storage.outbox import push_to_person

ALERT_PREFIX = "alert:"


def report(bot, channel_name, reason, count):
    """Queue the alert for every admin; returns the number of rows written (0 within the hour)."""
    digest = hashlib.sha1(f"{channel_name}|{reason}".encode("utf-8")).hexdigest()[:16]
    hour = bot.clock.wall_now().strftime("%Y%m%d%H")
    text = (f"⚠️ 有 {count} 条消息因配置问题无法通过渠道 {channel_name} 发送：{reason}。\n"
            "请检查配置（python -m bot check-config）。修好之前消息会保留并继续重试；"
            "已失败的消息修好后可用 python -m bot outbox resend 重发（「通知记录」可查看）。")
    written = 0
    with bot.db.transaction() as session:
        admins = session.scalars(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                                 .where(PersonRole.role == "admin").order_by(Person.id)).all()
        for admin in admins:
            written += push_to_person(session, admin, Outgoing(text=text),
                                      dedupe_key=f"{ALERT_PREFIX}{digest}:{hour}:{admin.id}")
    return written
