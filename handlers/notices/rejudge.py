"""The worker's job at start: stored records judged again by the rules in force, once (handlers/services/rejudge.py)."""
import logging

from handlers.services import rejudge
from handlers.services.context import Context
from storage.actor import Actor

log = logging.getLogger("bot.rejudge")


def job(bot):
    """Run by the worker's scheduler when it starts; a second start (or worker) finds it done."""
    with bot.db.transaction() as session:
        outcome = rejudge.run(Context(session, Actor.system(channel="worker"), bot.clock, bot.config))
    if outcome.what == "rejudged":
        log.info("records judged again by rules %s: %d changes, %d people told",
                 outcome["rules"], len(outcome["changes"]), len(outcome.told))


def register_jobs(jobs):
    """Once, as soon as the worker's scheduler starts (a ``date`` trigger without a date: now)."""
    jobs.add("records.rejudge", job, trigger="date")
