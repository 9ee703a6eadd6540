"""The scheduler: APScheduler with its job store in the same database, jobs with fixed ids.

Only the worker process starts it (never gunicorn's web workers, which would run every job once
per worker), and only while it holds the worker lease.
"""
import logging

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import TZ

log = logging.getLogger("bot.scheduler")

# (job id, "module:function", trigger kwargs); job targets take no live objects, only ids
JOBS = []


def add_job(job_id, func_ref, **trigger):
    """Declare a job; registered with replace_existing so restarts never duplicate it."""
    if any(j[0] == job_id for j in JOBS):
        raise ValueError(f"job {job_id!r} declared twice")
    JOBS.append((job_id, func_ref, trigger))


def build(bot):
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=bot.db.engine, tablename="scheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=TZ)
    for job_id, func_ref, trigger in JOBS:
        scheduler.add_job(func_ref, id=job_id, replace_existing=True, **trigger)
    return scheduler
