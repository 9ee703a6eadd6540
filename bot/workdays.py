"""Working days in mainland China: public holidays and make-up days from ``chinesecalendar``,
Monday–Friday for a year it does not know."""
from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:        # the library covers a fixed range of years
        return day.weekday() < 5


def previous_workday(day: date) -> date:
    """``day`` itself when it is a working day, else the working day before it."""
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_workday(day)
    return count
