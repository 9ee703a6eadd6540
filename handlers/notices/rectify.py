"""整改 reminders: the studio's leader and unit union before the deadline (BOT_RECTIFY_REMIND_DAYS
working days ahead), and the group union when a 整改 is overdue or failed and so proposed for
withdrawal of the title; each once per recipient (their dedupe keys)."""
from sqlalchemy import select

from bot import cycle
from bot.message import Outgoing
from bot.workdays import workdays_between
from handlers.notices.notice import Notice, unit_unions
from handlers.notices.spotcheck import long_date
from handlers.office import rectify
from handlers.review.steps import role_holders
from storage.models import Person
from storage.office import Rectification


def decide(bot, session, now, forced=False):
    today = now.date()
    notices = []
    for rect in session.scalars(select(Rectification).where(Rectification.status.in_(("open", "failed")))
                                .order_by(Rectification.id)):
        studio = rect.studio
        if rect.status == "open" and not rectify.overdue(rect, today):
            remind_from = cycle.add_workdays(rect.deadline, -bot.config.rectify_remind_working_days)
            if today < remind_from and not forced:
                continue
            left = workdays_between(today, rect.deadline)
            people = ([session.get(Person, studio.leader_id)] if studio.leader_id else []) + \
                unit_unions(session, studio.unit_id)
            for person in people:
                text = (f"【整改提醒】{person.name}您好，「{studio.name}」的限期整改将于 {long_date(rect.deadline)} 到期"
                        f"（还有 {left} 个工作日）。整改要求：{rect.requirements or '见抽查结果'}。"
                        "完成后请领衔人发送「整改完成 整改情况」报告；逾期未完成整改的，将提请撤销称号。")
                notices.append(Notice("rectify", f"rectify:{rect.id}:{person.id}", Outgoing(text=text), person=person))
            continue
        if not rectify.proposed(rect, today):
            continue
        why = f"逾期未完成整改（期限 {long_date(rect.deadline)}）" if rect.status == "open" else \
            f"整改经核查不合格（{rect.finding}）"
        for person in role_holders(session, "group"):
            text = (f"【整改逾期】{person.name}您好，「{studio.name}」{why}，按规定提请撤销称号。"
                    "请在管理台核实后确认撤销称号（须写明《意见》规定的情形）。")
            notices.append(Notice("rectify", f"rectify:{rect.id}:proposed:{person.id}", Outgoing(text=text),
                                  person=person))
    return notices
