"""The scheduler: APScheduler with jobs declared as data (fixed ids) and the worker's Bot passed in.

Only the worker process starts it (never gunicorn's web workers, which would run every job once
per worker), and only while it holds the worker lease. Jobs are declared again at every start,
so nothing about them is kept in the database; a job that must not miss a day repeats through the
day and is idempotent (the notices tick hourly from the notice time, their dedupe keys decide).
"""
import logging
from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler



log = logging.getLogger("bot.scheduler")


@dataclass(frozen=True)
class Job:
    id: str
    func: object            # called as func(bot)
    trigger: dict = field(default_factory=dict)


class Jobs:
    """The registry handlers declare their jobs in (``add``); ids are unique."""

    def __init__(self):
        self.declared = []

    def add(self, job_id, func, **trigger):
        if any(j.id == job_id for j in self.declared):
            raise ValueError(f"job {job_id!r} declared twice")
        self.declared.append(Job(job_id, func, trigger))

    def __iter__(self):
        return iter(self.declared)


def build(bot):
    """A scheduler holding every declared job of ``bot``, each called with ``bot``."""
    scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
                                    timezone=bot.clock.tz)
    for job in bot.jobs:
        scheduler.add_job(job.func, id=job.id, args=[bot], replace_existing=True, **job.trigger)
    return scheduler
