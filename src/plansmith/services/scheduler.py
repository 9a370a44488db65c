"""The delivery job (reports and certification reminders) on APScheduler (3.x): every minute,
in a serving process or in ``plansmith worker``.

Every process that runs the scheduler runs the same job on the same database; that is safe
because a run claims each delivery with an atomic UPDATE (:mod:`.deliveries`), so with
``plansmith serve --workers 4`` four schedulers share the work and no e-mail goes out twice.
``coalesce`` and ``max_instances=1`` keep one process from piling up runs behind a slow SMTP
server; the jitter spreads the workers' runs over the minute.
"""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from plansmith.config import Settings
from plansmith.services.reminder_mail import run_job
from plansmith.storage.database import Database

INTERVAL_SECONDS = 60
JOB_ID = "plansmith-deliveries"
log = logging.getLogger("plansmith.deliveries")


def _job(database: Database, settings: Settings) -> None:
    summary = run_job(database, settings)  # the reports, then the certification reminders
    if summary.enqueued or summary.lines:
        log.info(
            "deliveries: %d queued, %d sent, %d to retry, %d failed",
            summary.enqueued,
            summary.sent,
            summary.retrying,
            summary.failed,
        )


def _configure(scheduler: BaseScheduler, database: Database, settings: Settings) -> None:
    scheduler.add_job(
        _job,
        IntervalTrigger(seconds=INTERVAL_SECONDS, jitter=10, timezone=UTC),
        args=[database, settings],
        id=JOB_ID,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=INTERVAL_SECONDS,
    )


def start_in_process(database: Database, settings: Settings) -> BackgroundScheduler | None:
    """A scheduler thread in a serving process, when e-mail is configured and
    ``PLANSMITH_SCHEDULER`` has not handed the job to ``plansmith worker``; None otherwise."""
    if settings.mail is None or not settings.scheduler:
        return None
    scheduler = BackgroundScheduler(timezone=UTC)
    _configure(scheduler, database, settings)
    scheduler.start()
    return scheduler


def run_worker(database: Database, settings: Settings) -> None:
    """``plansmith worker``: the job in the foreground until interrupted."""
    scheduler = BlockingScheduler(timezone=UTC)
    _configure(scheduler, database, settings)
    scheduler.start()
