"""`liputan demo`: the whole SOP on this machine in about a minute — the sandbox mail server, the
daemon, and scripted officials and team walking two requests through all 15 steps."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, localtime, make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from daemon.app.demo_people import People, Person, hand_in
from daemon.app.demo_report import summary
from daemon.app.sandbox import Delivery
from daemon.core import db, indonesian
from daemon.core.config import load_config
from daemon.core.context import Context
from daemon.core.models import Event, Outbox, Request
from daemon.core.resources import rules_dir
from daemon.core.rules_check import load_rules
from daemon.devservers import free_port
from daemon.devservers.config import OFFICE_MAILBOX, PASSWORD, write_config
from daemon.devservers.dovecot import Dovecot
from daemon.sop import people

MARK = ".liputan-demo"  # a folder holding this file is a previous demo's and may be cleared
SOCIAL_ADMIN = "medsos@bengkaliskab.go.id"
log = logging.getLogger("daemon.app.demo")
PACKAGE = Path(__file__).resolve().parents[1]  # the `daemon` package the daemon must run from too
TEAM_CHOICE = "Setuju. Tim: Andi, Rina (foto)"  # the Kasi picks the team for the island request

ISLAND = ("camat.bantan@bengkaliskab.go.id", "Kantor Camat Bantan", "Musrenbang", """Dengan hormat,

Sehubungan dengan akan dilaksanakannya kegiatan Musyawarah Perencanaan Pembangunan (Musrenbang)
Kecamatan Bantan Tahun 2027, kami mohon kiranya Dinas Komunikasi, Informatika dan Statistik dapat
meliput kegiatan tersebut yang akan dilaksanakan pada:

Hari/Tanggal : {day}
Pukul        : 09.00 s.d. 12.00 WIB
Tempat       : Aula Kantor Camat Bantan
Acara        : Musrenbang Kecamatan Bantan Tahun 2027

Narahubung: Sdr. Rahmat (0812-7654-3210)

Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.

Camat Bantan
""")
MAINLAND = ("disdik@bengkaliskab.go.id", "Dinas Pendidikan Kabupaten Bengkalis", "Peresmian", """Dengan hormat,

Bersama ini kami mohon peliputan kegiatan:

Acara        : Peresmian Gedung Sekolah Dasar Negeri 12 Mandau
Hari/Tanggal : {day}
Waktu        : 13.00 s.d. 16.00 WIB
Tempat       : SDN 12 Mandau, Duri

Contact person: Ibu Sari 0813-1111-2222

Kepala Dinas Pendidikan Kabupaten Bengkalis
""")
NEWS = {
    "Musrenbang": ("Musrenbang Kecamatan Bantan Tetapkan 42 Usulan Prioritas", [
        "BANTAN - Musyawarah Perencanaan Pembangunan Kecamatan Bantan menetapkan 42 usulan "
        "prioritas pembangunan untuk tahun 2027.",
        "Camat Bantan meminta seluruh kepala desa mengawal usulan tersebut hingga tahap kabupaten."]),
    "Peresmian": ("Gedung Baru SDN 12 Mandau Diresmikan", [
        "DURI - Gedung baru Sekolah Dasar Negeri 12 Mandau diresmikan dan siap menampung 320 murid.",
        "Kepala Dinas Pendidikan berharap gedung ini meningkatkan mutu belajar di Kecamatan Mandau."])}


def working_day(after: date, days: int) -> date:
    """A working day at least `days` ahead: a week is far enough that no 'event is near' warning
    interrupts; the two events fall on different days so one team may cover both."""
    day = after + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def request_letter(sender: str, display: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((display, sender))
    msg["To"] = f"Liputan Diskominfotik <{OFFICE_MAILBOX}>"
    msg["Subject"] = "Permohonan Peliputan"
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    msg.set_content(body)
    return msg


def prepare(base: Path) -> None:
    """An empty folder, or a previous demo's (cleared); anything else is left alone."""
    if base.exists() and any(base.iterdir()):
        if not (base / MARK).exists():
            raise SystemExit(f"liputan demo: {base} is not empty and not a previous demo's folder; "
                             "choose another with --dir")
        for child in base.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    base.mkdir(parents=True, exist_ok=True)
    (base / MARK).write_text("made by `liputan demo`; the next demo in this folder clears it\n")


def cast(ctx: Context, say: Callable[[str], None]) -> list[Person]:
    """The officials answer their tasks; the Kasi picks the island team; the team hands in."""
    roles = ctx.rules.office.roles
    officials = []
    for key, role in roles.items():
        p = Person(role.email, role.name)
        p.answers["task"] = (lambda m: TEAM_CHOICE if "tim dan jadwal" in str(m["Subject"])
                             and "Musrenbang" in str(m["Subject"]) else "Setuju") if key == "kasi" else (lambda m: "Setuju")
        p.answers["preview"] = lambda m: "Setuju, silakan dipublikasikan."
        officials.append(p)
    team = []
    for member in ctx.rules.office.staff:
        p = Person(member.email, member.name)
        p.answers["assignment"] = hand_in(p, Path(ctx.cfg.paths.dropbox), NEWS, say)
        team.append(p)
    return officials + team


class Printer:
    """Each step as the daemon records it, for both requests, with who acted."""

    def __init__(self, ctx: Context, factory: sessionmaker[Session], start: float):
        self.ctx, self.factory, self.start = ctx, factory, start
        self.last_id, self.seen = 0, set()
        self.steps = {s.number: s.name for s in ctx.rules.sop.steps}

    def say(self, text: str) -> None:
        print(f"{time.monotonic() - self.start:6.1f}s  {text}", flush=True)

    def who(self, actor: str | None) -> str:
        """"Kadis Drs. H. Johansyah Syafri, M.Si." (the office's short names), a member's name,
        or Liputan itself."""
        if not actor or actor == "system":
            return "Liputan"
        p, title, role = people.person(self.ctx, actor) if "@" in actor else (None, None, None)
        if p is None:
            return actor
        office = (f"{title} " if title else "") + (role or "").capitalize()
        return f"{office} {p.name}".strip()

    def line(self, e: Event) -> str | None:
        note = e.note or ""
        if e.kind == "received":
            return f"letter received from {e.actor} ({note})"
        if e.kind == "sent":
            return f"asks {self.who(e.actor)} by mail ({note})"
        if e.kind == "decided":
            label = {"approve": "approved", "reject": "refused", "revise": "sent back"}.get(e.decision or "", e.decision)
            return f"{label} by {self.who(e.actor)}" + (f" (note: {note})" if note else "")
        if e.kind == "skipped" and e.step in self.steps and "outside_island" in note:
            return f"skipped: on Bengkalis island, no SPT needed ({note})"
        if e.kind == "waiting" and "otomatis" in note and "acara" not in note:
            return None  # a channel job about to run: its result follows
        if e.kind == "done":
            return f"done by {self.who(e.actor)}" + (f": {note}" if note else "")
        return f"{e.kind}: {note}" if note else e.kind

    def poll(self) -> None:
        with self.factory() as s:
            rows = s.execute(select(Event, Request.code).join(Request, Event.request_id == Request.id)
                             .where(Event.id > self.last_id).order_by(Event.id)).all()
        for e, code in rows:
            self.last_id = e.id
            if e.step is not None and (code, e.step) not in self.seen:
                self.seen.add((code, e.step))
                self.say(f"{code}  step {e.step:2d}/15  {self.steps.get(e.step, '')}")
            if (text := self.line(e)) is not None:
                print(f"{'':8}{code}             {text}", flush=True)


def finished(factory: sessionmaker[Session]) -> tuple[list[Request], bool]:
    with factory() as s:
        reqs = list(s.scalars(select(Request).order_by(Request.id)))
        outbox_busy = s.scalars(select(Outbox.id).where(Outbox.status.not_in(("sent", "failed")))).first()
    return reqs, len(reqs) >= 2 and all(r.state != "open" for r in reqs) and outbox_busy is None


def start_servers(stack: ExitStack, users: dict[str, str], copies: Path) -> tuple[Dovecot, Controller]:
    """Dovecot in a folder of its own under /tmp (its unprivileged user must reach it, and the
    chosen folder may sit under a private home), and the SMTP server delivering into it; every
    message is also copied to `copies`. Both stop (and the folder goes) when `stack` closes."""
    home = Path(tempfile.mkdtemp(prefix="liputan-demo-dovecot-"))
    stack.callback(shutil.rmtree, home, ignore_errors=True)
    dovecot = Dovecot(home, port=free_port(), users=users).start()
    stack.callback(dovecot.stop)
    smtp = Controller(Delivery(dovecot, copies), hostname="127.0.0.1", port=free_port())
    smtp.start()
    stack.callback(smtp.stop)
    return dovecot, smtp


def demo_config(base: Path, imap_port: int, smtp_port: int) -> Path:
    """The sandbox's config with short quiet times, the website as a local folder, the social
    package and the press release by mail, and no Facebook."""
    return write_config(
        base / "liputan.toml", imap_port=imap_port, smtp_port=smtp_port, database="sqlite:///liputan.db",
        rules=rules_dir(), mailbox={"poll_seconds": 1},
        extra={"delivery": {"stable_seconds": 0.5, "settle_seconds": 3, "rescan_seconds": 5},
               "digest": {"enabled": False},
               "publish.website": {"folder": "situs", "status": "publish", "category": "Berita Daerah"},
               "publish.social": {"admin": SOCIAL_ADMIN, "hashtags": ["#Bengkalis"]},
               "publish.press": {"enabled": True, "max_mail_mb": 2}})


def start_daemon(stack: ExitStack, base: Path, config: Path) -> subprocess.Popen:
    """`liputan run` on the config, from this same package; SIGTERM when `stack` closes."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE.parent),
                                                                     os.environ.get("PYTHONPATH")]))}
    log = stack.enter_context(open(base / "daemon.log", "w"))
    daemon = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(config)],
                              cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=15)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    stack.callback(stop)
    return daemon


def banner(base: Path, dovecot: Dovecot, smtp: Controller, days: tuple[date, date]) -> None:
    print(f"""Liputan demo in {base}
  mail server: IMAP 127.0.0.1:{dovecot.port}, SMTP 127.0.0.1:{smtp.port}; every mail sent is copied to mail/
  two requests: the Musrenbang in Bantan on {indonesian.format_date(days[0])} (on Bengkalis island:
  no SPT, steps 7-9 are skipped) and a school opening in Mandau, Duri on {indonesian.format_date(days[1])}
  (mainland: the SPT is drafted, initialled and signed). The officials and the team are scripted:
  they read their mail over IMAP and answer "Setuju"; the team drops the news and photos into the
  shared folder as soon as it is assigned (the demo does not wait for the event: a complete
  delivery ends the coverage step). Facebook is not configured (skipped); the social-media
  package and the press release go by mail.
""", flush=True)


def main(folder: str = "liputan-demo", timeout: float = 240.0) -> int:
    base = Path(folder).resolve()
    prepare(base)
    (base / "mail").mkdir()
    for name in ("mail.log", "daemon.app.sandbox", "bagit"):  # servers' and libraries' chatter stays quiet
        logging.getLogger(name).setLevel(logging.WARNING)
    office = load_rules(rules_dir()).office
    users = {OFFICE_MAILBOX: PASSWORD, SOCIAL_ADMIN: PASSWORD}
    users.update({r.email: PASSWORD for r in office.roles.values()})
    users.update({p.email: PASSWORD for p in office.staff})
    try:
        return run(base, users, timeout)
    except KeyboardInterrupt:  # everything it started has been stopped on the way out
        print("liputan demo: interrupted", file=sys.stderr)
        return 130


def run(base: Path, users: dict[str, str], timeout: float) -> int:
    start = time.monotonic()
    with ExitStack() as stack:
        dovecot, smtp = start_servers(stack, users, base / "mail")
        cfg = load_config(demo_config(base, dovecot.port, smtp.port))
        indonesian.set_zone(cfg.office.timezone)
        ctx = Context.load(cfg)
        first = working_day(ctx.local_now().date(), 7)
        days = (first, working_day(first, 1))
        banner(base, dovecot, smtp, days)
        daemon = start_daemon(stack, base, cfg.source)
        engine = db.make_engine(cfg.paths.database)
        stack.callback(engine.dispose)
        printer = Printer(ctx, db.sessions(engine), start)
        crew = People(dovecot.port, smtp.port, cast(ctx, printer.say), printer.say)
        crew.start()
        stack.callback(crew.join, 5)
        stack.callback(crew.stop.set)
        if not wait_for_database(engine, daemon, 60):
            print("liputan demo: the daemon did not start; see daemon.log", file=sys.stderr)
            return 1
        for (sender, display, _, body), on in zip((ISLAND, MAINLAND), days):
            crew.send(request_letter(sender, display, body.format(day=indonesian.format_date(on))))
            printer.say(f"{display} sends its request letter")
            time.sleep(1.0)  # the island letter gets the first code
        ok = walk(printer, daemon, crew, timeout) and summary(ctx, printer.factory, base)
        return 0 if ok else 1


def wait_for_database(engine: Engine, daemon: subprocess.Popen, seconds: float) -> bool:
    """The daemon has migrated the database (it does so before it runs)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and daemon.poll() is None:
        try:
            if db.current_revision(engine) == db.head_revision():
                return True
        except Exception as exc:  # noqa: BLE001 - not made yet
            log.debug("database not ready: %s", exc)
        time.sleep(0.3)
    return False


def walk(printer: Printer, daemon: subprocess.Popen, crew: People, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        printer.poll()
        reqs, done = finished(printer.factory)
        if done:
            printer.poll()
            printer.say("both requests are " + " and ".join(f"{r.code} {indonesian.state_label(r.state)}"
                                                            for r in reqs))
            return all(r.state == "done" for r in reqs)
        if daemon.poll() is not None:
            print(f"liputan demo: the daemon stopped (exit {daemon.returncode}); see daemon.log", file=sys.stderr)
            return False
        if crew.errors:
            print("liputan demo: " + crew.errors.pop(0), file=sys.stderr)
        time.sleep(0.3)
    print(f"liputan demo: not finished within {timeout:.0f} s; see daemon.log and `liputan show`",
          file=sys.stderr)
    return False
