"""Last year as a start: a new year's application may begin with an earlier application's answers.

Only what does not belong to a year is copied (the basics, the leader, the members, the
narrative); what the schema declares ``yearly`` (the 近两年 figures, funding, benefits, innovation
counts, talents, social benefit, the filing date) is left to fill again. Copied answers are stored
with source "copied" and their history, like any other answer.
"""
from sqlalchemy import select

from bot.actions import encode
from handlers.application.schema import application_form
from storage import applications
from storage.models import Answer, Application
from storage.statuses import AppStatus

ACTION = "app_start"
COPY_LABEL = "从去年的申报表开始"
FRESH_LABEL = "从头填写"


def earlier_application(session, app):
    """The studio's latest application of an earlier year that has answers, or None."""
    has_answers = select(Answer.id).where(Answer.application_id == Application.id).exists()
    return session.scalar(select(Application).where(Application.studio_id == app.studio_id,
                                                    Application.year < app.year, has_answers)
                          .order_by(Application.year.desc()).limit(1))


def wants_offer(session, app):
    """An application not yet begun (no answers, no choice made) of a studio that applied before."""
    if (app.flags or {}).get("started_from") or app.status != AppStatus.DRAFT:
        return None
    if applications.load_answers(session, app.id):
        return None
    return earlier_application(session, app)


def offer(turn, app, earlier):
    turn.reply(f"您的工作室 {earlier.year} 年度已填写过申报表。{app.year} 年度可以从它开始："
               "复制封面、基本情况、领衔人、骨干成员和业绩简介等与年度无关的内容，"
               f"近两年的统计数字（经费投入、技术创新、经济效益、培养人才、社会效益）和填报日期需要重新填写。"
               "复制的内容之后都可以修改。",
               [(COPY_LABEL, encode(ACTION, "copy", app.id, earlier.id)), (FRESH_LABEL, encode(ACTION, "fresh", app.id))])


def copy_answers(session, earlier, app, actor):
    """Copy the earlier application's non-yearly answers into ``app``; returns (copied, to fill) items."""
    old = applications.load_answers(session, earlier.id)
    copied, refill = [], []
    for item in application_form(app.year).items:
        if item.computed:
            continue
        if item.yearly or item.key not in old:
            refill.append(item)
            continue
        applications.set_answer(session, app.id, item.key, old[item.key], actor, "copied", old=None,
                                studio_id=app.studio_id)
        copied.append(item)
    return copied, refill


def by_block(items):
    """「封面：工作室名称、所在单位；基本情况：…」"""
    blocks = {}
    for item in items:
        blocks.setdefault(item.block or item.qualified, []).append(item.qualified)
    return "；".join(f"{block}：{'、'.join(names)}" for block, names in blocks.items())
