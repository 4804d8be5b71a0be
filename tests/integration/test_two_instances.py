"""Two `liputan run` processes on one PostgreSQL database and one office mailbox: 50 letters and
their replies make exactly 50 requests, every mail goes out once and every job runs once."""

from __future__ import annotations

import email
import email.policy
import re
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from harness import KABID, KADIS, KASI, SEKDIS, WIB, letter, reply
from sqlalchemy import func, select

from daemon.core.config import load_config
from daemon.core.db import make_engine, sessions, upgrade
from daemon.core.models import Event, Inbound, Job, Outbox, Request, utcnow
from daemon.devservers.config import write_config
from daemon.mail.mailbox import MailboxWorker
from daemon.mail.mailbox_lock import MailboxLock, lock_key

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "bengkaliskab.go.id"
N = 50
FULL_CHAIN = 4  # requests (two on the island, two outside) walked on to step 10
TAG = re.compile(r"\[(LPT-\d{4}-\d{4})\]")

# (venue, outside Bengkalis island?)
PLACES = [
    ("Aula Kantor Camat Bantan", False), ("Balai Desa Selatbaru", False),
    ("Politeknik Negeri Bengkalis", False), ("RSUD Bengkalis", False),
    ("Pantai Selat Baru", False), ("Gedung Daerah, Sebauk", False),
    ("Lapangan Teluk Latak", False), ("Balai Desa Muntai", False),
    ("Kantor Camat Mandau, Duri", True), ("Balai Desa Batu Panjang, Rupat", True),
    ("Pantai Teluk Rhu, Rupat Utara", True), ("Kantor Camat Rupat", True),
]
EVENTS = ["Musrenbang", "Peresmian Gedung", "Lomba Kebersihan", "Sosialisasi Stunting",
          "Pelantikan Pengurus", "Festival Budaya", "Gotong Royong Akbar", "Pasar Murah",
          "Vaksinasi Massal", "Pelatihan UMKM"]
HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember"]


def request_letter(i: int):
    place, outside = PLACES[i % len(PLACES)]
    day = datetime(2026, 12, 7, tzinfo=WIB) + timedelta(days=i % 20)
    title = f"{EVENTS[i % len(EVENTS)]} Nomor {i + 1:02d}"
    body = f"""Dengan hormat,

Bersama ini kami mohon kiranya Dinas Komunikasi, Informatika dan Statistik dapat meliput
kegiatan kami yang akan dilaksanakan pada:

Acara        : {title}
Hari/Tanggal : {HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}
Pukul        : {8 + i % 6:02d}.00 WIB s.d. selesai
Tempat       : {place}

Narahubung: Sdr. Pemohon {i + 1} (0812-0000-{i:04d})

Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.

Kepala Unit Pemohon {i + 1}
"""
    sender = f"unit{i + 1:02d}@{DOMAIN}"
    return letter(sender, f"Permohonan peliputan {title}", body, display=f"Unit Pemohon {i + 1}"), outside


LOADED = 3  # progress waits are capped at this many times what an idle machine needs: the
#            counts checked after them, not the time, say whether the work was done (once)


def wait_for(predicate, timeout: float, what: str, procs=(), progress: bool = False):
    deadline = time.monotonic() + timeout * (LOADED if progress else 1)
    while True:
        value = predicate()
        if value:
            return value
        for p in procs:
            assert p.poll() is None, f"a daemon died (exit {p.returncode}) while waiting for {what}"
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def start(cfg: Path, log, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`liputan run`; `env` = conftest's no_office_env where LibreOffice is beside the point."""
    return subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(cfg)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env)


class Captured:
    """The SMTP capture server's messages, parsed once."""

    def __init__(self, smtp):
        self.smtp = smtp
        self.parsed: list = []

    def all(self) -> list:
        got = list(self.smtp.messages)
        for r in got[len(self.parsed):]:
            self.parsed.append((r, email.message_from_bytes(r.data, policy=email.policy.default)))
        return self.parsed

    def tasks_to(self, address: str) -> dict[str, list]:
        """Task mails (the ones that ask for a decision) to `address`, by request code."""
        out: dict[str, list] = {}
        for r, msg in self.all():
            if address in [a.lower() for a in r.rcpt_tos] and msg["X-Liputan-Kind"] == "task":
                m = TAG.search(str(msg["Subject"]))
                if m:
                    out.setdefault(m.group(1), []).append(msg)
        return out


@pytest.fixture
def pg_url(postgres):
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield postgres.create_database(name)
    postgres.drop_database(name)


def test_two_daemons_on_one_database_make_each_request_once(
        pg_url, dovecot, mailbox_user, smtp, tmp_path, no_office_env):
    # letters as .docx (no LibreOffice on PATH): ~200 PDF conversions and two office warm-ups
    # would take the CPU, and what is tested (each request, decision and mail once) is the same
    engine = make_engine(pg_url)
    upgrade(engine)
    factory = sessions(engine)
    configs, procs, logs = [], [], []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        configs.append(write_config(
            folder / "liputan.toml", imap_port=dovecot.port, smtp_port=smtp.port, database=pg_url,
            rules=REPO / "rules", user=mailbox_user,
            mailbox={"timeout": 10, "idle_seconds": 10, "poll_seconds": 1},
            smtp={"username": f"liputan@{DOMAIN}", "password": "rahasia", "timeout": 10}))
    mail = Captured(smtp)
    try:
        for cfg in configs:
            logs.append(open(cfg.parent / "daemon.log", "w"))
            procs.append(start(cfg, logs[-1], no_office_env))
        letters = [request_letter(i) for i in range(N)]
        dovecot.append_many(mailbox_user, "INBOX",
                            [m.as_bytes(policy=email.policy.SMTP) for m, _ in letters])

        def count(model, *where) -> int:
            with factory() as s:
                return s.scalar(select(func.count()).select_from(model).where(*where))

        def quiet(filed: bool = True) -> bool:
            return (count(Inbound, Inbound.status == "new") == 0
                    and not (filed and count(Inbound, Inbound.filed.is_(False)))
                    and count(Job, Job.state == "running") == 0
                    and count(Job, Job.state == "queued", Job.next_run_at <= utcnow()) == 0
                    and count(Outbox, Outbox.status.in_(("waiting", "queued", "sending"))) == 0)
        # step 2: one task mail per request to the Kadis
        kadis = wait_for(lambda: (t := mail.tasks_to(KADIS)) and len(t) >= N and t, 60,
                         "the Kadis's 50 task mails", procs, progress=True)
        assert count(Request) == N
        with factory() as s:
            outside = dict(s.execute(select(Request.code, Request.outside_island)).all())
        assert sum(map(bool, outside.values())) == sum(o for _, o in letters) > 0
        # the Kadis answers every task twice (phone, then desk): adjacent UIDs, so the two
        # daemons handle the two answers to one step at the same time; one decision must count
        dovecot.append_many(mailbox_user, "INBOX", [
            reply(msgs[0], KADIS, text, style=style).as_bytes(policy=email.policy.SMTP)
            for msgs in kadis.values()
            for text, style in (("Setuju, lanjutkan", "iphone"), ("Setuju", "outlook"))])

        # step 3: the Kabid's disposition for every request
        kabid = wait_for(lambda: (t := mail.tasks_to(KABID)) and len(t) >= N and t, 60,
                         "the Kabid's 50 task mails", procs, progress=True)
        dovecot.append_many(mailbox_user, "INBOX", [
            reply(msgs[0], KABID, "Setuju").as_bytes(policy=email.policy.SMTP)
            for msgs in kabid.values()])
        kasi = wait_for(lambda: (t := mail.tasks_to(KASI)) and len(t) >= N and t, 60,
                        "the Kasi's 50 team proposals", procs, progress=True)

        # the instance that works the mailbox stops (an upgrade, a reboot): the standby takes
        # the mailbox over, and the stopped one comes back as the new standby
        wait_for(lambda: quiet(filed=False), 30, "the office to go quiet before the hand-over", procs,
                 progress=True)
        holder = next(i for i, cfg in enumerate(configs)
                      if "mailbox lock taken" in (cfg.parent / "daemon.log").read_text())
        other = 1 - holder
        procs[holder].send_signal(signal.SIGTERM)
        assert procs[holder].wait(timeout=30) == 0
        wait_for(lambda: "mailbox lock taken" in (configs[other].parent / "daemon.log").read_text(),
                 60, "the standby to take the mailbox over", [procs[other]])
        logs[holder].write("---- restarted ----\n")
        logs[holder].flush()
        procs[holder] = start(configs[holder], logs[holder], no_office_env)

        # steps 4-10 for a few: team, memo, and the SPT (paraf Kabid, Sekdis, signed by the Kadis)
        inside = [c for c in sorted(kasi) if not outside[c]][:FULL_CHAIN // 2]
        away = [c for c in sorted(kasi) if outside[c]][:FULL_CHAIN // 2]
        chain = inside + away

        def answer(who: str, codes: list[str], seen: int) -> None:
            """Answer, for each of `codes`, the task mail number `seen` + 1 sent to `who`."""
            got = wait_for(lambda: (t := mail.tasks_to(who)) and all(len(t.get(c, [])) > seen
                                                                     for c in codes) and t,
                           45, f"task mails to {who}", procs, progress=True)
            dovecot.append_many(mailbox_user, "INBOX", [
                reply(got[c][seen], who, "Setuju").as_bytes(policy=email.policy.SMTP) for c in codes])

        answer(KASI, chain, 0)
        answer(KABID, chain, 1)  # the memo
        answer(KABID, away, 2)  # paraf on the SPT
        answer(SEKDIS, away, 0)
        answer(KADIS, away, 1)  # signs the SPT

        def at_step_10() -> bool:
            with factory() as s:
                rows = s.execute(select(Request.code, Request.state, Request.step)
                                 .where(Request.code.in_(chain))).all()
            return len(rows) == len(chain) and all((st, step) == ("open", 10) for _, st, step in rows)
        wait_for(at_step_10, 45, "the full-chain requests to reach step 10", procs, progress=True)

        try:
            wait_for(quiet, 30, "the office to go quiet", procs, progress=True)
        except AssertionError:
            with factory() as s:
                raise AssertionError("not quiet: " + repr((
                    s.execute(select(Inbound.id, Inbound.status, Inbound.leased_by)
                              .where(Inbound.status == "new")).all(),
                    s.execute(select(Job.id, Job.kind, Job.state, Job.attempts, Job.leased_by)
                              .where(Job.state.in_(("queued", "running")))).all(),
                    s.execute(select(Outbox.id, Outbox.kind, Outbox.status, Outbox.waits_on,
                                     Outbox.subject).where(Outbox.status.in_(
                                         ("waiting", "queued", "sending")))).all()))) from None

        # -- what was done, and done once ---------------------------------------------------
        assert count(Request) == N
        with factory() as s:
            inbound = s.execute(select(Inbound.status, func.count()).group_by(Inbound.status)).all()
            jobs = s.execute(select(Job.id, Job.kind, Job.state, Job.attempts, Job.leased_by,
                                    Job.next_run_at)).all()
            outbox = s.execute(select(Outbox.message_id, Outbox.status, Outbox.attempts)).all()
        statuses = dict(inbound)
        assert statuses.get("new", 0) == 0 and statuses.get("quarantined", 0) == 0, statuses
        replies = 2 * N + N + len(chain) + len(chain) + 3 * len(away)
        assert count(Inbound) == N + replies, statuses  # each message stored once
        assert statuses == {"done": N + replies}, statuses
        # every job ran exactly once; only the SLA timers of open steps, the next morning's
        # digest and the next retention pass (each planned once by two daemons) wait for their time
        assert len([j for j in jobs if j.kind == "digest"]) == 1
        # (an answered task's reminders are cancelled unrun: they never ran)
        cancelled = [j for j in jobs if j.state == "cancelled"]
        assert all((j.kind, j.attempts) == ("step_timer", 0) for j in cancelled), cancelled
        ran = [j for j in jobs if j.state not in ("queued", "cancelled")]
        assert len(ran) > N and all((j.state, j.attempts) == ("done", 1) for j in ran), \
            [j for j in ran if (j.state, j.attempts) != ("done", 1)]
        assert len([j for j in jobs if j.kind == "prune"]) == 1  # the next retention pass, once
        assert all(j.kind in ("step_timer", "digest", "prune") and j.attempts == 0
                   and j.next_run_at > utcnow()
                   for j in jobs if j.state == "queued")
        assert all((o.status, o.attempts) == ("sent", 1) for o in outbox), \
            [o for o in outbox if (o.status, o.attempts) != ("sent", 1)]

        imap = dovecot.client(mailbox_user)
        try:  # every message filed away once: none left in the inbox, none lost
            folders = {name: imap.select_folder(name, readonly=True)[b"EXISTS"]
                       for flags, _, name in imap.list_folders() if b"\\Noselect" not in flags}
        finally:
            imap.logout()
        assert folders.pop("INBOX") == 0 and sum(folders.values()) == N + replies, folders

        sent_ids = Counter(str(msg["Message-ID"]) for _, msg in mail.all())
        assert [m for m, n in sent_ids.items() if n > 1] == []
        assert len(sent_ids) == len(outbox)
        kadis_tasks = mail.tasks_to(KADIS)
        assert len(kadis_tasks) == N
        assert {c: len(v) for c, v in kadis_tasks.items() if len(v) != (2 if c in away else 1)} == {}
        assert {c: len(v) for c, v in mail.tasks_to(KABID).items()
                if len(v) != (3 if c in away else 2 if c in inside else 1)} == {}
        with factory() as s:
            decided = Counter(s.scalars(select(Request.code).join(Event, Event.request_id == Request.id)
                                        .where(Event.kind == "decided", Event.step == 2)))
        assert len(decided) == N and set(decided.values()) == {1}, decided
        holders = Counter(j.leased_by.split(":")[1] for j in jobs if j.leased_by)
        print(f"jobs per daemon pid: {dict(holders)}; mails sent: {len(sent_ids)}")

        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:  # a generous cap: a holder or standby that waited on anything would hang
            assert p.wait(timeout=30) == 0
        for log in logs:
            log.flush()
            text = Path(log.name).read_text()
            assert text.rfind("stopped") > text.rfind("stopping") > 0 and "exiting without it" not in text
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in logs:
            log.close()
        engine.dispose()


def test_two_mailbox_workers_store_each_message_once(pg_url, dovecot, mailbox_user, tmp_path):
    """Without the mailbox lock (a lock lost mid-round), two workers fetching the same new
    messages store each once: the checkpoint serialises them, the second insert is a no-op."""
    engine = make_engine(pg_url)
    upgrade(engine)
    factory = sessions(engine)
    cfg = load_config(write_config(
        tmp_path / "liputan.toml", imap_port=dovecot.port, smtp_port=25, database=pg_url,
        rules=REPO / "rules", user=mailbox_user, mailbox={"timeout": 10}))
    workers = [MailboxWorker(cfg, factory, tmp_path / f"raw{i}") for i in range(2)]
    try:
        dovecot.append_many(mailbox_user, "INBOX", [request_letter(i)[0].as_bytes(
            policy=email.policy.SMTP) for i in range(N)])
        with ThreadPoolExecutor(2) as pool:
            stored = [f.result() for f in [pool.submit(w.fetch_new) for w in workers]]
        assert sum(stored) == N
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Inbound)) == N
            assert s.scalar(select(func.count(func.distinct(Inbound.uid)))) == N
    finally:
        for w in workers:
            w.close()
        engine.dispose()


def test_only_one_instance_holds_the_mailbox_lock_and_a_dead_holder_frees_it(pg_url):
    engines = [make_engine(pg_url) for _ in range(2)]
    key = lock_key("127.0.0.1", 143, "liputan@" + DOMAIN, "INBOX")
    first, second = (MailboxLock(e, key, ttl=6, check=0.5) for e in engines)
    lost = []
    first.on_lost(lambda: lost.append(time.monotonic()))
    other = MailboxLock(engines[1], lock_key("127.0.0.1", 143, "lain@" + DOMAIN, "INBOX"))
    try:
        assert first.acquire() and first.held()
        assert not second.acquire() and not second.held()
        assert other.acquire()
        time.sleep(1.5)  # renewed meanwhile: still held, still not the second's
        assert first.held() and first.seconds_left() > 3 and not second.acquire()
        first._conn.connection.dbapi_connection.close()  # the holder's connection dies
        died = time.monotonic()
        # noticed at its next renewal (every 0.5 s), long before the 6 s lease would have run out
        wait_for(lambda: not first.held(), 30, "the holder to notice at its next renewal")
        assert lost and lost[0] - died < first.ttl / 2, (lost[0] - died, first.ttl)
        assert second.acquire() and second.held()
        assert not first.acquire()
        second.release()
        assert first.acquire()
    finally:
        for lock in (first, second, other):
            lock.release()
        for e in engines:
            e.dispose()


def test_a_deadlocked_message_is_tried_again_not_quarantined(pg_url, tmp_path, monkeypatch):
    """PostgreSQL undoes one of two deadlocked transactions (40P01). In a batch, the batch is
    undone and its messages handled one by one at once; a message that deadlocks again on its
    own stays new, put off for a few seconds, and is handled on the next try; nobody is alerted."""
    import psycopg
    from harness import Office
    from sqlalchemy import update
    from sqlalchemy.exc import OperationalError
    from test_workflow_bodies import BANTAN

    from daemon.app import dispatcher as d

    office = Office(tmp_path, database=pg_url)
    real, calls = d.Dispatcher.handle, []

    def deadlocked_once(self, s, inbound):
        calls.append(inbound.id)
        if len(calls) <= 2:  # in its batch, then alone
            raise OperationalError("UPDATE request ...", {}, psycopg.errors.DeadlockDetected(
                "deadlock detected"))
        return real(self, s, inbound)

    monkeypatch.setattr(d.Dispatcher, "handle", deadlocked_once)
    row = office.deliver(letter("camat.bantan@" + DOMAIN, "Permohonan peliputan", BANTAN))
    assert (row.status, row.attempts, row.reason) == ("new", 0, None)
    assert row.leased_by and row.lease_until is not None  # still ours, put off for a moment
    assert office.outbox() == []  # no alert, no acknowledgement yet
    with office.factory() as s, s.begin():  # as if the few seconds had passed
        s.execute(update(Inbound).where(Inbound.id == row.id).values(lease_until=None))
    office.settle()
    with office.factory() as s:
        assert s.get(Inbound, row.id).status == "done"
    assert office.request().step == 2 and calls == [row.id, row.id, row.id]
    office.engine.dispose()
