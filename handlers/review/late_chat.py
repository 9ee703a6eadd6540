"""延期 in chat: the group union grants one studio a late window (「延期 工作室名称 日期 理由」)."""
import re
from datetime import date

from bot.errors import UserError
from bot.forms.parsers import parse_date
from handlers import studios
from handlers.policy import Do
from handlers.review.deadline import long_date
from handlers.services import late_windows

USAGE = "用法：延期 工作室名称 日期 理由，例如「延期 王海隧道掘进劳模创新工作室 6月10日 领衔人外派支援抢险」。"


def grant(turn, args):
    parts = (args or "").split(maxsplit=2)
    if len(parts) < 2:
        raise UserError(USAGE)
    name, day, reason = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
    studio = studios.find(turn.session, turn.actor, name)
    today = turn.clock.today()
    if not re.search(r"\d{4}|[〇○零一二三四五六七八九]{4}|今|明|下", day):
        day = f"{today.year}年{day}"            # 「6月10日」: of this year's cycle, even when it is past
    text = parse_date(day, today=today, allow_future=True)
    until = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    outcome = late_windows.grant(turn.ctx, studio, until, reason)
    told = "、".join(p.name for p in outcome.told) or "（还没有绑定人员）"
    again = f"（原延期至 {outcome['before']['until']}）" if outcome["before"] else ""
    turn.reply(f"已准予「{studio.name}」{outcome['year']} 年度申报延期至 {long_date(until)}{again}，"
               f"理由：{outcome['reason']}。已告知：{told}。")


def register(router):
    router.add_command("late_window", grant, do=Do.LATE_WINDOW,
                       help="准予某个工作室截止后提交申报：延期 工作室名称 日期 理由")
