"""The yearly calendar from configuration: deadline, countdown, review period, self-checks, in BOT_TIMEZONE.

Every date a notice goes out on is a working day (``bot.workdays``: chinesecalendar, Monday–Friday
for years it does not know). A countdown date that falls on a day off moves to the previous
working day, so the reminder comes early rather than late. The deadline itself stays where it is
(submissions are taken until the end of that day, even a day off); when it is a day off, ``aim``
is the last working day before it, the one notices name to aim for.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.workdays import generation, is_workday, previous_workday

QUARTER_MONTHS = (1, 4, 7, 10)
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


@dataclass(frozen=True)
class YearCalendar:
    year: int
    deadline: date
    aim: date                  # the last working day on or before the deadline: the day notices name to aim for
    countdown: dict            # date -> days before the deadline it stands for (e.g. 30)
    review_start: date
    review_end: date
    naming_from: date
    quarter_checks: tuple      # first working day of Jan, Apr, Jul, Oct
    q4_warning: date           # first working day of December
    project_warnings: tuple    # the 立项 warning: first working day of September (time to act) and December
    review_reminders: tuple    # first working day of each week inside the review period

    def quarter_of_check(self, day):
        """1..4 when ``day`` is a quarter self-check date, else None."""
        return self.quarter_checks.index(day) + 1 if day in self.quarter_checks else None


def month_day(year, text):
    month, day = (int(x) for x in text.split("-"))
    if month == 2 and day == 29 and not _leap(year):
        day = 28
    return date(year, month, day)


def _leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def first_workday_from(day):
    """``day`` itself when it is a working day, else the next working day."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_workdays(day, n):
    """The working day ``n`` working days after ``day`` (``n`` may be negative)."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def at_notice_time(config, day):
    """The moment notices for ``day`` go out (aware, in BOT_TIMEZONE)."""
    return datetime.combine(day, config.notice_time, tzinfo=ZoneInfo(config.timezone))


def calendar(config, year):
    """The calendar of ``year`` under ``config`` (cached: the inputs are a handful of strings)."""
    return _calendar(config.deadline, config.review_period, config.naming_from,
                     tuple(config.countdown), year, generation())


@lru_cache(maxsize=64)
def _calendar(deadline_text, review_text, naming_text, countdown_days, year, _schedules_read):
    deadline = month_day(year, deadline_text)
    countdown = {}
    for days in sorted(countdown_days, reverse=True):
        # two offsets landing on the same working day: the nearer one wins (one message, not two)
        countdown[previous_workday(deadline - timedelta(days=days))] = days
    start_text, end_text = review_text.split("..")
    review_start = month_day(year, start_text)
    review_end = month_day(year, end_text)
    if review_end < review_start:              # a period across the new year
        review_end = month_day(year + 1, end_text)
    return YearCalendar(
        year=year, deadline=deadline, aim=previous_workday(deadline), countdown=countdown,
        review_start=review_start, review_end=review_end,
        naming_from=month_day(year, naming_text),
        quarter_checks=tuple(first_workday_from(date(year, m, 1)) for m in QUARTER_MONTHS),
        q4_warning=first_workday_from(date(year, 12, 1)),
        project_warnings=(first_workday_from(date(year, 9, 1)), first_workday_from(date(year, 12, 1))),
        review_reminders=tuple(_weekly_first_workdays(review_start, review_end)))


def _weekly_first_workdays(start, end):
    """The first working day of each week (Mon–Sun), counting only days within start..end."""
    days, seen_weeks, day = [], set(), start
    while day <= end:
        week = day - timedelta(days=day.weekday())
        if week not in seen_weeks and is_workday(day):
            seen_weeks.add(week)
            days.append(day)
        day += timedelta(days=1)
    return days


def quarter_before(day):
    """(first day, last day, year, quarter number) of the quarter that ended before ``day``'s quarter."""
    first_of_this = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = first_of_this - timedelta(days=1)
    first = date(last.year, 3 * ((last.month - 1) // 3) + 1, 1)
    return first, last, last.year, (last.month - 1) // 3 + 1


def chinese_date(day):
    return f"{day.month}月{day.day}日"


WEEKDAYS = "一二三四五六日"


def weekday_name(day):
    return f"星期{WEEKDAYS[day.weekday()]}"
