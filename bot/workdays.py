"""Working days in mainland China: the State Council's yearly schedule of holidays and make-up days.

Sources, first that knows the year: a schedule file (``bot/holidays/YYYY.json`` shipped with the
code, or ``instance/holidays/YYYY.json`` loaded by the admin with ``python -m bot holidays load``),
then ``chinesecalendar`` (it stops at a fixed year). For a year nobody knows, Monday–Friday minus
the fixed days off (元旦 1月1日, 劳动节 5月1–5日, 国庆 10月1–7日) — an estimate, reported by
``python -m bot check-config`` until the year's schedule is loaded.

A schedule file: ``{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
"holidays": ["2027-01-01", …], "workdays": ["2027-02-20", …]}`` — ``holidays`` are days off
(weekdays included), ``workdays`` the weekend days worked in exchange (调休上班).
"""
import json
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar

ROOT = Path(__file__).resolve().parent.parent
DIRS = [Path(__file__).resolve().parent / "holidays", ROOT / "instance" / "holidays"]
FIXED_DAYS_OFF = ((1, 1),) + tuple((5, d) for d in range(1, 6)) + tuple((10, d) for d in range(1, 8))


class ScheduleError(ValueError):
    """A schedule file that cannot be used; the message is Chinese and names the problem."""


def parse_schedule(text, name="文件"):
    """(year, holidays, workdays, source) from a schedule file's text, checked."""
    try:
        data = json.loads(text)
        year = int(data["year"])
        days = {key: {date.fromisoformat(d) for d in data.get(key, [])} for key in ("holidays", "workdays")}
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ScheduleError(f"{name} 不是有效的节假日安排：{exc}。格式见 bot/workdays.py。") from None
    wrong = sorted(d for ds in days.values() for d in ds if d.year != year)
    if wrong:
        raise ScheduleError(f"{name} 中的日期 {wrong[0]} 不属于 {year} 年。")
    if days["holidays"] & days["workdays"]:
        raise ScheduleError(f"{name} 中 {min(days['holidays'] & days['workdays'])} 同时是假日和调休上班日。")
    if not days["holidays"]:
        raise ScheduleError(f"{name} 没有列出任何假日。")
    return year, frozenset(days["holidays"]), frozenset(days["workdays"]), str(data.get("source", ""))


@lru_cache(maxsize=None)
def _schedules():
    found = {}
    for folder in DIRS:
        for path in sorted(folder.glob("[0-9][0-9][0-9][0-9].json")) if folder.is_dir() else ():
            year, holidays, workdays, source = parse_schedule(path.read_text(encoding="utf-8"), path.name)
            found[year] = (holidays, workdays, source, path)      # a later folder (the admin's) wins
    return found


_generation = [0]          # bumped by reload(): calendars cached on an older one are recomputed


def reload():
    """Forget what was read (after a schedule was loaded); the yearly calendars are recomputed."""
    _schedules.cache_clear()
    _generation[0] += 1


def generation():
    """Which reading of the schedules is current (a cache key for what is computed from them)."""
    return _generation[0]


def schedule_for(year):
    """(holidays, workdays, source, path) of a loaded schedule, or None."""
    return _schedules().get(year)


def library_knows(year):
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def known(year):
    """True when the official schedule of ``year`` is known (a file or the library)."""
    return schedule_for(year) is not None or library_knows(year)


def is_workday(day: date) -> bool:
    schedule = schedule_for(day.year)
    if schedule is not None:
        holidays, workdays, _, _ = schedule
        return day in workdays or (day.weekday() < 5 and day not in holidays)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:        # the library covers a fixed range of years
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_DAYS_OFF


def previous_workday(day: date) -> date:
    """``day`` itself when it is a working day, else the working day before it."""
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def _running_counts(year, generation_):
    """The working days of ``year`` counted day by day: [n] is how many of its first n+1 days work
    (cached per reading of the schedules: ``reload`` starts a new generation)."""
    counts, total, day = [], 0, date(year, 1, 1)
    while day.year == year:
        total += is_workday(day)
        counts.append(total)
        day += timedelta(days=1)
    return counts


def _since_new_year(day):
    """Working days from 1 January of ``day``'s year up to and including ``day``."""
    return _running_counts(day.year, _generation[0])[day.timetuple().tm_yday - 1]


def workdays_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    if end <= start:
        return 0
    if start.year == end.year:
        return _since_new_year(end) - _since_new_year(start)
    count = _running_counts(start.year, _generation[0])[-1] - _since_new_year(start) + _since_new_year(end)
    for year in range(start.year + 1, end.year):
        count += _running_counts(year, _generation[0])[-1]
    return count


def missing_years(today):
    """This year and the next whose official schedule is not known (the admin is warned)."""
    return [y for y in (today.year, today.year + 1) if not known(y)]
