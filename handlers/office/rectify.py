"""整改 after a spot check: what a result does to the studio's 整改 (ordered with a deadline in working
days, passed, or ended by 撤销称号), and when one is proposed for withdrawal of the title.

A 整改 is ``open`` until the leader reports it done (``reported``); the office then finds it
``passed`` or ``failed``. An ``open`` one past its deadline is overdue. Overdue or failed, it is
proposed for withdrawal, which the office confirms (handlers/services/rectifications.py), and it
ends ``withdrawn``. Its history is the audit trail (``rectify.*``, ``spotcheck.result``).
"""
from sqlalchemy import select

from bot import cycle
from bot.errors import UserError
from storage.office import Rectification

STATUS = {"open": "整改中", "reported": "已报告，待核查", "passed": "整改合格", "failed": "整改不合格",
          "withdrawn": "已撤销称号"}
MAX_WORKING_DAYS = 250


def of_result(session, row):
    return session.scalar(select(Rectification).where(Rectification.result_id == row.id))


def _audit(ctx, action, rect, studio, before=None, after=None, detail=""):
    ctx.audit(f"rectify.{action}", object_type="rectification", object_id=rect.id, studio_id=studio.id,
              unit_id=studio.unit_id, before=before, after=after, detail=detail)


def follow_result(ctx, row, studio, working_days=None):
    """After a spot check result is recorded: 限期整改 orders (or orders again) the studio's 整改 with
    its deadline; another result ends an unfinished one. Returns the 整改 ordered, or None."""
    session = ctx.session
    rect = of_result(session, row)
    if row.result == "限期整改":
        days = working_days or ctx.config.rectify_working_days
        if not 1 <= int(days) <= MAX_WORKING_DAYS:
            raise UserError(f"整改期限应为 1 到 {MAX_WORKING_DAYS} 个工作日。")
        today = ctx.clock.today()
        deadline = cycle.add_workdays(today, int(days))
        before = None
        if rect is None:
            rect = Rectification(result_id=row.id, studio_id=studio.id, report="", finding="")
            session.add(rect)
        else:
            before = {"status": rect.status, "deadline": str(rect.deadline)}
        rect.ordered_on, rect.working_days, rect.deadline = today, int(days), deadline
        rect.requirements, rect.status = row.note, "open"
        session.flush()
        _audit(ctx, "order", rect, studio, before=before,
               after={"status": "open", "deadline": str(deadline), "working_days": int(days)},
               detail=f"{int(days)} 个工作日，{deadline:%Y%m%d} 前")
        return rect
    if rect is not None and rect.status not in ("passed", "withdrawn"):
        before = {"status": rect.status}
        rect.status = "withdrawn" if row.result == "撤销称号" else "passed"
        rect.finding = rect.finding or row.note
        _audit(ctx, "close", rect, studio, before=before, after={"status": rect.status}, detail=row.result)
    return None


def overdue(rect, today):
    return rect.status == "open" and today > rect.deadline


def proposed(rect, today):
    """Proposed for withdrawal of the title: failed, or overdue."""
    return rect.status == "failed" or overdue(rect, today)


def status_text(rect, today):
    if overdue(rect, today):
        return f"逾期未整改（期限 {rect.deadline:%Y%m%d}），拟撤销称号"
    if rect.status == "failed":
        return "整改不合格，拟撤销称号"
    return STATUS[rect.status]
