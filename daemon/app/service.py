"""The daemon: one asyncio process composing the mailbox, dispatcher and outbox workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from pathlib import Path

from daemon.app import heartbeat, lanes, ocr_jobs, procpool, reload, sdnotify, work
from daemon.app.dispatcher import Dispatcher
from daemon.app.folder import FolderIntake
from daemon.app.leadership import Leadership
from daemon.archive import retention
from daemon.core import db, memory
from daemon.core.config import Config
from daemon.core.context import Context
from daemon.core.errors import ConfigError
from daemon.core.outage import Outage
from daemon.core.rules_check import validate_sop
from daemon.core.yamlfile import ProblemsError
from daemon.mail import mails
from daemon.mail.mailbox import MailboxWorker
from daemon.mail.mailbox_lock import MailboxLock, lock_key
from daemon.mail.outbox import OutboxWorker
from daemon.paperwork import letters, pdf
from daemon.reading import quotes
from daemon.sop import digest
from daemon.sop.kinds import KINDS

log = logging.getLogger("daemon.app.service")
CALENDAR_INTERVAL = 3.0  # seconds at least between two rewrites of <state>/jadwal.ics
# ... and at least this many times as long as the last rewrite took: it holds every coverage ever
# booked (~0.35 ms CPU each: 1.75 s at 5,000), so rewritten every 3 s it took half a core from
# the dispatcher in a busy office; now at most a tenth of the time
CALENDAR_DUTY = 9.0


def calendar_pause(took: float) -> float:
    """Seconds to wait after a rewrite of the calendar that took `took` seconds."""
    return max(CALENDAR_INTERVAL, CALENDAR_DUTY * took)
DISPATCH_INTERVAL = 5.0  # seconds between sweeps even without a wake-up (requeued messages)


class Service:
    """Owns the database and the workers; `run()` until SIGTERM/SIGINT, then stops within 5 s."""

    def __init__(self, cfg: Config, ctx: Context | None = None):
        memory.limit_arenas(cfg.status.malloc_arenas)  # before the service's threads start
        self.cfg = cfg
        self.ctx = ctx or Context.load(cfg)
        problems = validate_sop(self.ctx.rules.sop, KINDS)
        if problems:  # e.g. a kind this version does not know: refuse to start, name the line
            raise ProblemsError(problems)
        load_templates()
        self.engine = db.make_engine(cfg.paths.database)
        sdnotify.status("starting: database")
        db.upgrade_apart(self.engine)  # Alembic, when needed, in a short child process
        self.factory = db.sessions(self.engine)
        work.reclaim_orphans(self.factory)  # a killed predecessor's jobs are taken up at once
        with self.factory() as s, s.begin():
            digest.plan(self.ctx, s)  # the next morning's digest (once, whoever starts first)
            retention.plan(cfg, s)  # raw mail the archive holds is removed after [retention] days
        Path(cfg.paths.state).mkdir(parents=True, exist_ok=True)
        if not cfg.delivery.require_mount:  # before the first heartbeat checks it (a mount is never made)
            try:
                Path(cfg.paths.dropbox).mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # the heartbeat and `liputan status` say why
                log.warning("cannot make the shared folder %s: %s", cfg.paths.dropbox, exc)
        self.dispatcher = Dispatcher(self.ctx, self.factory, work.holder_name("dispatcher"))
        self.jobs, self.jobs_ctx = work.runner(self.ctx, self.factory), self.ctx
        # letters in a lane of their own (a hung LibreOffice holds up no other job), whose loop
        # also stops the letter workers once idle
        self.letters = lanes.Lane({work.RENDER}, idle_workers=lambda: self.cfg.jobs.idle_workers_seconds)
        box = cfg.mailbox
        # -- high availability: the lease holder works, a second instance stands by ----------
        lock = MailboxLock(self.engine, lock_key(box.host, box.port, box.username, box.folder),
                           ttl=cfg.ha.lease_seconds, check=cfg.ha.check_seconds,
                           name=work.holder_name("lease"))
        self.leadership = Leadership(lock, self.factory, cfg.ha.check_seconds, self.jobs,
                                     stale=cfg.status.stale_seconds)
        self.mailbox = MailboxWorker(cfg, self.factory, self.ctx.raw_dir, lock)
        self.outbox = OutboxWorker(cfg, self.factory)
        self.stop_thread = threading.Event()

    async def run(self) -> None:
        memory.freeze_startup()  # before any worker is forked: they share the start-up objects
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        wake = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        self.hup = asyncio.Event()
        loop.add_signal_handler(signal.SIGHUP, self.hup.set)  # systemctl reload (ExecReload=)

        def wake_dispatcher() -> None:
            loop.call_soon_threadsafe(wake.set)
            if not self.stop_thread.is_set():  # (never a worker forked while stopping)
                self.letters.prestart_workers()

        # a daemon thread, not the executor: a hung network read must not hold up the exit
        mailbox = threading.Thread(target=self.mailbox.run, args=(self.stop_thread, wake_dispatcher),
                                   name="mailbox", daemon=True)
        mailbox.start()
        self.letters.split(self.jobs)  # before the jobs loop's first claim
        self.wake_jobs, self.wake_outbox = lanes.Wake(self.letters.wake), asyncio.Event()
        converter = pdf.default_converter(Path(self.cfg.paths.state), self.cfg.pdf.convert_timeout_seconds,
                                          self.cfg.pdf.start_timeout_seconds)
        converter.reopen()  # closed by an earlier service's stop in this process
        if converter.available():  # the first letter need not wait ~5 s; a stop need not wait for it
            threading.Thread(target=converter.warm, name="pdf-warm", daemon=True).start()
        if self.cfg.reading.read_ahead:  # a backlog waiting at start need not wait for the reader
            threading.Thread(target=self.dispatcher.ahead.warm, name="read-ahead-warm", daemon=True).start()
        self.wake_dispatch = wake
        self.folder: FolderIntake | None = None  # the shared-folder watcher, during a term
        self.calendar_dirty = asyncio.Event()  # set at each term's start: written after an upgrade
        tasks = [asyncio.create_task(self.dispatch_loop(stop, wake), name="dispatcher"),
                 asyncio.create_task(self.jobs_loop(stop), name="jobs"),
                 asyncio.create_task(self.letters.run(stop, self.jobs_now, self.ran_threadsafe(loop),
                                                      lambda: self.ctx), name="letters"),
                 asyncio.create_task(heartbeat.run(self.cfg, self.factory, self.mailbox.health,
                                                   converter, stop, self.outbox.health,
                                                   self.leadership.lock.facts),
                                     name="heartbeat"),
                 asyncio.create_task(self.reload_loop(stop), name="reload")]
        # -- high availability: the workers below run only while this instance holds the lease
        lead = self.leadership
        lead.wakers = [wake, self.wake_jobs, self.wake_outbox, self.calendar_dirty]
        tasks.append(asyncio.create_task(lead.run(stop), name="leadership"))
        for name, worker in (("calendar", self.calendar_loop),
                             ("outbox", lambda term: self.outbox.run(term, self.wake_outbox)),
                             ("folder", lambda term: self.folder_term(term, loop))):
            tasks.append(asyncio.create_task(lead.serve(stop, worker), name=name))
        if (interval := sdnotify.watchdog_interval()) is not None:
            tasks.append(asyncio.create_task(watchdog_loop(stop, interval), name="watchdog"))
        log.info("liputan running: mailbox %s@%s, database %s", self.cfg.mailbox.username,
                 self.cfg.mailbox.host, self.engine.url.render_as_string(hide_password=True))
        # the database is migrated and every worker started (the mailbox connects in its thread)
        sdnotify.ready(f"running: mailbox {self.cfg.mailbox.username}@{self.cfg.mailbox.host}")
        await stop.wait()
        log.info("stopping")
        sdnotify.stopping("stopping")
        self.stop_thread.set()
        wake.set()
        self.wake_jobs.set()
        _, late = await asyncio.wait(tasks, timeout=3)
        if late:
            log.warning("still running 3 s after the stop, left behind: %s",
                        ", ".join(sorted(t.get_name() for t in late)))
        await asyncio.to_thread(mailbox.join, 1)
        if mailbox.is_alive():  # blocked on a dead connection: cut it
            self.mailbox.abort()
            await asyncio.to_thread(mailbox.join, 1)
        if mailbox.is_alive():
            log.warning("mailbox worker still blocked; exiting without it (nothing is lost)")
        self.dispatcher.close()  # its reading process, if a backlog started one
        self.engine.dispose()
        # no letter is being made now: LibreOffice and the render workers need not be asked twice
        await asyncio.to_thread(pdf.default_converter().close, 0.2, 0.5, True)  # final: start none
        await asyncio.to_thread(procpool.close_shared, False)
        log.info("stopped")

    async def folder_term(self, term: asyncio.Event, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the shared folder during a term. The watcher's threads are daemons, so a slow
        share cannot hold up the exit (a file it was reading is found again by the next rescan)."""
        folder = FolderIntake(self.ctx, self.factory,
                              wake=lambda: loop.call_soon_threadsafe(self.wake_jobs.set))
        await asyncio.to_thread(folder.start)
        self.folder = folder
        await term.wait()
        self.folder = None
        await asyncio.wait([asyncio.ensure_future(asyncio.to_thread(folder.stop))], timeout=0.5)

    async def reload_loop(self, stop: asyncio.Event) -> None:
        """On SIGHUP, read the config and rules/ again; a change that does not pass the start-up
        checks is refused and logged, and the running rules stay."""
        while not stop.is_set():
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.hup.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            if stop.is_set():
                return
            self.hup.clear()
            sdnotify.reloading("reloading: config and rules")
            try:
                cfg, ctx = await asyncio.to_thread(reload.load, self.cfg)
            except reload.Refused as exc:
                log.error("reload refused, the running rules stay: %s", exc)
                sdnotify.ready("running: reload refused (see the log)")
                continue
            if later := reload.waiting_for_restart(self.cfg, cfg):
                log.warning("changed [%s] applies only after a restart", "], [".join(later))
            self.cfg, self.ctx = cfg, ctx  # the dispatcher and jobs take it between two pieces of work
            if self.folder is not None:  # (a standby watches no folder; a new term reads self.ctx)
                await asyncio.to_thread(self.folder.swap, ctx)
            self.calendar_dirty.set()
            log.info("reloaded: rules in %s, SOP revision %s", ctx.rules.dir, ctx.rules.sop_revision)
            sdnotify.ready("running: reloaded")

    def jobs_now(self):
        """The job runner on the current context (made anew after a reload, between two jobs)."""
        if self.jobs_ctx is not self.ctx:
            old, self.jobs = self.jobs, work.runner(self.ctx, self.factory, self.jobs.holder)
            self.jobs.skip = old.skip  # high availability: what a standby leaves to the holder
            self.jobs.lanes = old.lanes  # letters: their own lane's (app/lanes.py)
            self.leadership.runner = self.jobs
            self.jobs_ctx = self.ctx
        return self.jobs

    async def calendar_loop(self, stop: asyncio.Event) -> None:
        """Keep <state>/jadwal.ics current for calendar subscription: rewritten (atomically)
        after the dispatcher or a job changed something, at most every few seconds."""
        outage = Outage(log, "writing the schedule book's calendar")
        while not stop.is_set():
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.calendar_dirty.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            if stop.is_set():
                return
            self.calendar_dirty.clear()
            began = time.monotonic()
            try:
                await asyncio.to_thread(self.write_calendar)
                outage.ok()
            except Exception as exc:  # noqa: BLE001 - the book is a copy; the daemon goes on without it
                outage.failed(exc)
                self.calendar_dirty.set()  # written once the disk (or the database) is back
            # the pause between rewrites ends early at the stop (a stop never waits it out)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), calendar_pause(time.monotonic() - began))

    def write_calendar(self) -> None:
        from daemon.paperwork.schedule_book import write_calendar
        with self.factory() as s:
            write_calendar(self.ctx, s)

    async def dispatch_loop(self, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Handle stored messages whenever the mailbox stores some (and every few seconds)."""
        outage = Outage(log, "dispatcher round")
        while not stop.is_set():
            self.dispatcher.ctx = self.ctx  # between rounds: a reload applies to the next message
            try:
                if await asyncio.to_thread(self.dispatcher.run_once):
                    self.wake_jobs.set()
                    self.wake_outbox.set()
                    self.calendar_dirty.set()
                outage.ok()
            except Exception as exc:  # noqa: BLE001 - e.g. the database briefly away; try again
                outage.failed(exc)
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), timeout=DISPATCH_INTERVAL)
            except asyncio.TimeoutError:
                pass

    async def jobs_loop(self, stop: asyncio.Event) -> None:
        """Run due jobs (letters, several at once; timers) beside the dispatcher; wake the outbox
        after each, as a finished letter releases the mail that waited for it. A round ends at
        stop or reload (the runner is made anew on the new context between two rounds)."""
        outage = Outage(log, "job runner round")
        ran = self.ran_threadsafe(asyncio.get_running_loop())
        while not stop.is_set():
            self.wake_jobs.clear()
            try:
                runner, ctx = self.jobs_now(), self.ctx
                await asyncio.to_thread(runner.run_once, None,
                                        lambda: stop.is_set() or self.ctx is not ctx, ran)
                pause = await asyncio.to_thread(self.jobs_now().seconds_to_next)
                outage.ok()
            except Exception as exc:  # noqa: BLE001 - e.g. the database briefly away; try again
                outage.failed(exc)
                pause = DISPATCH_INTERVAL
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake_jobs.wait())]
            await asyncio.wait(waiters, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()

    def ran_threadsafe(self, loop: asyncio.AbstractEventLoop):  # noqa: ANN201
        """What follows each job, called from a runner's threads."""
        return lambda job: loop.call_soon_threadsafe(self.job_ran, job)

    def job_ran(self, job) -> None:
        self.wake_outbox.set()
        if job.kind != work.RENDER:  # e.g. a request's first step: its letter is due now
            self.letters.wake.set()
        self.calendar_dirty.set()
        if job.kind == ocr_jobs.KIND:  # its message is 'new' again: read it now
            self.wake_dispatch.set()


def load_templates() -> None:
    """Every mail and letter template read and compiled now, and used as read for the daemon's
    life: an upgrade that replaces them on disk meets its own code at the restart (a template
    read later met the old code: a mail failed with "'news_files' is undefined" until a restart).
    A broken one stops the start with its file and line."""
    try:
        mail_count, letter_names = mails.preload(), letters.preload(apart=True)  # docxtpl: not here
    except ConfigError as exc:
        log.error("a template is broken, not starting: %s", exc)
        raise
    quotes.warm()  # our own sentences, told apart from an official's (read from the same files)
    log.info("templates loaded: %d mail templates from %s, letters %s from %s (a change on disk "
             "applies after a restart)", mail_count, mails.TEMPLATE_DIR, ", ".join(letter_names),
             letters.TEMPLATE_DIR)


async def watchdog_loop(stop: asyncio.Event, interval: float) -> None:
    """WATCHDOG=1 from the event loop itself: a loop that hangs stops the pings, and systemd
    restarts the service (WatchdogSec=)."""
    while not stop.is_set():
        sdnotify.watchdog()
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except asyncio.TimeoutError:
            pass
