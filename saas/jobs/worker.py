"""The rq worker class for the Procfile: it builds the app once, before jobs are forked from it."""
from rq import Worker as RqWorker

from saas.jobs.runner import _app


class Worker(RqWorker):
    def __init__(self, *args, **kwargs):
        _app()
        super().__init__(*args, **kwargs)
