"""The background worker, `flask --app wsgi worker`: all work that must not run in a request.

It delivers due outbox events to the dealers' webhooks (server/delivery/dispatch.py),
derives pending media (server/media/processing.py) and does the care steps (survey links,
filter reminders: server/care/worker.py), in turns so none starves the others,
and sleeps `WORKER_POLL_SECONDS` when there is nothing to do. Everything it works on is a
row in the database with a lease, so a restart loses nothing: what a stopped worker was
doing is taken up by the next one when the lease runs out. Run as many as you like on
PostgreSQL; on SQLite run one (`make run` starts one beside gunicorn).

SIGTERM or SIGINT (Ctrl-C) lets the current attempt finish, then the worker exits.
"""

import logging
import os
import signal
import socket
import threading

import click
from flask import Flask

from server.care import worker as care
from server.delivery import dispatch
from server.delivery import settings as delivery_settings
from server.extensions import db
from server.media import processing

log = logging.getLogger(__name__)
EVENTS_PER_TURN = 20  # then look at media, so a backlog of events never starves photos
MEDIA_PER_TURN = 5


class Worker:
    def __init__(self, app: Flask, *, media: bool = True):
        self.app = app
        self.media = media
        self.attempts = 0  # made by this worker (for its log line and tests)
        with app.app_context():
            self.settings = delivery_settings.current()
            # Survey links and filter reminders for customers (server/care/worker.py).
            self.care = care.CareStep(care.current())

    def turn(self) -> bool:
        """Deliver what is due and derive some pending media; False when there was nothing."""
        with self.app.app_context():
            try:
                busy = False
                for _ in range(EVENTS_PER_TURN):
                    if not dispatch.deliver_one(self.settings):
                        break
                    self.attempts += 1
                    busy = True
                if self.media and processing.process_pending(limit=MEDIA_PER_TURN):
                    busy = True
                if self.care.turn():
                    busy = True
                return busy
            except Exception:
                # The database restarting, SQLite busy: log, wait a poll, try again. A claim
                # that was committed is released by its lease.
                log.exception("worker turn failed; retrying")
                db.session.rollback()
                return False
            finally:
                db.session.remove()

    def run(self, stop: threading.Event, *, once: bool = False) -> None:
        """Work until `stop` is set (or, with `once`, until nothing is due)."""
        while not stop.is_set():
            if self.turn():
                continue
            if once:
                return
            stop.wait(self.settings.poll)


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Do what is due now, then exit (cron, tests).")
    @click.option("--no-media", is_flag=True, help="Deliver webhooks only.")
    def worker_command(once, no_media):
        """Deliver webhooks and derive pending media until stopped (SIGTERM, Ctrl-C)."""
        try:
            worker = Worker(app, media=not no_media)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        stop = threading.Event()

        def _stop(signum, _frame):
            log.info("worker: %s received, stopping after the current attempt", signum)
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        log.info(
            "worker %s:%d started (media: %s, retry schedule: %s s)",
            socket.gethostname(),
            os.getpid(),
            "yes" if worker.media else "no",
            ",".join(f"{d:g}" for d in worker.settings.retry_schedule) or "none",
        )
        worker.run(stop, once=once)
