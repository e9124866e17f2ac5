"""Recurring jobs, run by the Procfile's `clock` process: `rq cron saas.jobs.cron --url $REDIS_URL`.

Each goes through saas.jobs.runner like any job, so it is retried and, in the end, recorded for operators.
Without Redis (the embedded default), run them by hand: `flask run-recurring-jobs`.
"""
from rq import cron

from saas.jobs.runner import run_from_rq

RECURRING = {"orders.cancel_unpaid": 600}  # task name: every so many seconds

for name, seconds in RECURRING.items():
    cron.register(run_from_rq, queue_name="default", args=(name, None, [], {}), interval=seconds, name=name)
