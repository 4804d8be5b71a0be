"""Reply -> next official's mail, black-box: the real daemon (`python -m daemon.app.cli run`, a
subprocess) on a private Dovecot and an SMTP server that delivers mail for the office mailbox into
Dovecot and captures everything else. For each request the Kadis answers "Setuju" to the task mail
the capture received; we time from the reply's SMTP submission to the capture receiving the
Kabid's task mail (which carries a freshly rendered lembar disposisi).

Baseline in the same run, on the same Dovecot and SMTP server: a bare loop (a subprocess too) that
waits with imapclient IDLE, fetches the new message and sends one mail with aiosmtplib.

Backlog: 100 other request letters are put in the mailbox, then a reply is submitted at once;
its next mail should wait only for its own letter. We print that latency and how many of the
backlog's own task mails went out before it.

Cold (`--cold K`): K more replies, each after the daemon sat idle past its letter workers' stop
([jobs] idle_workers_seconds, 60 s) and its reading process's (10 s): the reply's letter needs
workers forked again (started ahead as the mailbox stores the reply).

    python bench/bench_latency.py [-n 20] [--backlog 100] [--backlog-rounds 2] [--cold 3]
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import email.utils
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from harness import KABID, KADIS, letter, reply  # noqa: E402
from test_workflow_bodies import BANTAN  # noqa: E402

from _common import SmtpServer, loadavg  # noqa: E402

from daemon.devservers.config import OFFICE_MAILBOX, PASSWORD, write_config  # noqa: E402
from daemon.devservers.dovecot import Dovecot  # noqa: E402

ECHO_TO = "echo@bengkaliskab.go.id"


# ---- the mail server around the daemon ------------------------------------------------------------
@dataclass
class Got:
    at: float  # time.monotonic() when DATA was accepted
    rcpts: list[str]
    msg: EmailMessage


class Mta(SmtpServer):
    """SMTP on 127.0.0.1: mail for the office mailbox is APPENDed to its Dovecot INBOX (one
    persistent IMAP connection); mail for anyone else is captured with its arrival time."""

    def __init__(self, dovecot: Dovecot):
        super().__init__(dovecot)
        self.got: list[Got] = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        rcpts = [r.lower() for r in envelope.rcpt_tos]
        raw = envelope.original_content or envelope.content
        now = time.monotonic()
        if OFFICE_MAILBOX in rcpts:
            await asyncio.to_thread(self.append, raw)
        others = [r for r in rcpts if r != OFFICE_MAILBOX]
        if others:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            with self.cond:
                self.got.append(Got(now, others, msg))
                self.cond.notify_all()
        return "250 OK"

    def wait_for(self, pred, timeout: float, start: int = 0) -> Got:
        """The first captured message (from index `start`) matching pred, waiting for it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.got):
                    if pred(self.got[i]):
                        return self.got[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no such mail arrived in time")
                self.cond.wait(left)

    def count(self, pred) -> int:
        with self.cond:
            return sum(1 for g in self.got if pred(g))


def submit(port: int, msg: EmailMessage) -> float:
    """Send msg to the office mailbox over SMTP; returns the monotonic time the submission began."""
    raw = msg.as_bytes(policy=email.policy.SMTP)
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        t0 = time.monotonic()
        smtp.sendmail(email.utils.parseaddr(msg["From"])[1], [OFFICE_MAILBOX], raw)
    return t0


# ---- the baseline: bare IMAP IDLE -> SMTP loop ----------------------------------------------------
def echo_main(imap_port: int, smtp_port: int) -> None:
    """Wait with IDLE; for every new message send one mail to ECHO_TO naming its Message-ID."""
    import aiosmtplib
    from imapclient import IMAPClient

    imap = IMAPClient("127.0.0.1", port=imap_port, ssl=False, timeout=60)
    imap.login(OFFICE_MAILBOX, PASSWORD)
    imap.select_folder("INBOX")
    last = max(imap.search(["ALL"]) or [0])
    loop = asyncio.new_event_loop()
    print("ready", flush=True)
    while True:
        imap.idle()
        while not any(r[1] == b"EXISTS" for r in imap.idle_check(timeout=30) if len(r) > 1):
            pass
        imap.idle_done()
        uids = [u for u in imap.search(["UID", f"{last + 1}:*"]) if u > last]
        for uid, data in imap.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).items():
            last = max(last, uid)
            mid = data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[-1].strip()
            out = EmailMessage()
            out["From"], out["To"], out["Subject"] = OFFICE_MAILBOX, ECHO_TO, f"echo {mid}"
            out.set_content("echo")
            loop.run_until_complete(aiosmtplib.send(out, hostname="127.0.0.1", port=smtp_port,
                                                    start_tls=False))


def baseline(mta: Mta, dovecot: Dovecot, n: int) -> list[float]:
    proc = subprocess.Popen([sys.executable, __file__, "--echo", str(dovecot.port), str(mta.port)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        out = []
        for i in range(n + 1):
            msg = letter("unit.echo@bengkaliskab.go.id", f"echo {i}", "tes")
            mid = msg["Message-ID"]
            t0 = submit(mta.port, msg)
            got = mta.wait_for(lambda g, mid=mid: ECHO_TO in g.rcpts and mid in g.msg["Subject"], 30)
            if i:  # the first one warms connections up
                out.append(got.at - t0)
            time.sleep(0.05)
        return out
    finally:
        proc.terminate()
        proc.wait(10)


# ---- the daemon -----------------------------------------------------------------------------------
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
_serial = iter(range(10 ** 6))


def request_letter(i: int, tag: str) -> EmailMessage:
    """A distinct request (own title, sender and date, so none is read as a repeat letter)."""
    from datetime import date, timedelta
    title = f"Musrenbang {tag} Nomor {i}"
    d = date(2026, 12, 1) + timedelta(days=next(_serial))
    day = f"{DAYS[d.weekday()]}, {d.day} {BULAN[d.month]} {d.year}"
    body = BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", title) \
        .replace("Senin, 7 Desember 2026", day)
    return letter(f"unit.{tag}{i}@bengkaliskab.go.id", f"Permohonan peliputan {title}", body)


def to(addr: str):
    return lambda g: addr in g.rcpts and g.msg["X-Liputan-Kind"] != "alert"


def task_for(addr: str, title: str):
    """A mail to addr about the request titled `title` carrying a lembar disposisi."""
    def pred(g: Got) -> bool:
        if addr not in g.rcpts or title not in (g.msg.get_body(("plain",)) or g.msg).get_content():
            return False
        return any((p.get_filename() or "").startswith("Lembar") for p in g.msg.iter_attachments())
    return pred


def kadis_tasks(mta: Mta, titles: list[str], timeout: float) -> dict[str, Got]:
    out = {}
    for t in titles:
        out[t] = mta.wait_for(task_for(KADIS, t), timeout)
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def line(label: str, xs: list[float]) -> str:
    return (f"{label:<46} n={len(xs):3d}  p50 {pct(xs, 50) * 1000:7.0f} ms  p99 {pct(xs, 99) * 1000:7.0f} ms"
            f"  max {max(xs) * 1000:7.0f} ms   load {loadavg()}")


def cold_replies(mta: Mta, tasks: dict[str, Got], titles: list[str], wait: float) -> list[float]:
    """Each reply after `wait` seconds of nothing to do: the letter workers were stopped."""
    out = []
    for title in titles:
        time.sleep(wait)
        mark = len(mta.got)
        t0 = submit(mta.port, reply(tasks[title].msg, KADIS, "Setuju"))
        got = mta.wait_for(task_for(KABID, title), 120, start=mark)
        out.append(got.at - t0)
        print(f"  cold reply: Kabid mail after {out[-1] * 1000:.0f} ms   load {loadavg()}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=20, help="replies timed (default 20)")
    ap.add_argument("--backlog", type=int, default=100, help="letters waiting to be read (default 100)")
    ap.add_argument("--backlog-rounds", type=int, default=2, help="replies timed behind a backlog")
    ap.add_argument("--cold", type=int, default=0, metavar="K",
                    help="replies timed after an idle pause past the letter workers' stop")
    ap.add_argument("--cold-wait", type=float, default=65.0, metavar="S",
                    help="the idle pause before each cold reply (default 65 s: [jobs] "
                         "idle_workers_seconds is 60)")
    ap.add_argument("--echo", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.echo:
        return echo_main(*args.echo)

    from daemon.paperwork.pdf import default_converter
    conv = default_converter()
    mode = f"WITH LibreOffice ({conv.mode})" if conv.available() else "WITHOUT LibreOffice"
    print(f"mode: {mode}; {conv.reason or 'PDF copies made'}")
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-lat-"))
    os.chmod(base, 0o755)
    dovecot = Dovecot(base / "dovecot", users={OFFICE_MAILBOX: PASSWORD}).start()
    mta = Mta(dovecot).start()
    daemon = None
    try:
        base_lat = baseline(mta, dovecot, args.n)
        print(line("baseline: bare IMAP IDLE -> aiosmtplib loop", base_lat), flush=True)
        with mta.imap_lock:  # the daemon starts on an empty mailbox
            mta.imap.select_folder("INBOX")
            mta.imap.delete_messages(mta.imap.search(["ALL"]))
            mta.imap.expunge()
        cfg = write_config(base / "liputan.toml", imap_port=dovecot.port, smtp_port=mta.port,
                           database=f"sqlite:///{base / 'liputan.db'}", rules=ROOT / "rules",
                           mailbox={"idle_seconds": 300, "timeout": 30}, smtp={"timeout": 30})
        log = open(base / "daemon.log", "wb")  # noqa: SIM115 - the daemon writes it until the end
        daemon = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(cfg)],
                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        # requests the Kadis will answer: N quiet ones, then one per backlog round
        total = args.n + args.backlog_rounds + args.cold
        letters = [request_letter(i, "r") for i in range(total)]
        titles = [f"Musrenbang r Nomor {i}" for i in range(total)]
        t = time.monotonic()
        mta.append_many([m.as_bytes(policy=email.policy.SMTP) for m in letters])
        tasks = kadis_tasks(mta, titles, 600)
        print(f"setup: {total} requests read and their Kadis mails sent in {time.monotonic() - t:.1f} s")
        time.sleep(1.0)
        lat = []
        for title in titles[:args.n]:
            mark = len(mta.got)
            t0 = submit(mta.port, reply(tasks[title].msg, KADIS, "Setuju"))
            got = mta.wait_for(task_for(KABID, title), 120, start=mark)
            lat.append(got.at - t0)
            time.sleep(0.2)
        print(line("liputan: Kadis reply -> Kabid task mail", lat), flush=True)
        blat, before = [], []
        for r in range(args.backlog_rounds):
            title = titles[args.n + r]
            others = [request_letter(i, f"b{r}x") for i in range(args.backlog)]
            other_titles = [f"Musrenbang b{r}x Nomor {i}" for i in range(args.backlog)]
            mark = len(mta.got)
            mta.append_many([m.as_bytes(policy=email.policy.SMTP) for m in others])
            t0 = submit(mta.port, reply(tasks[title].msg, KADIS, "Setuju"))
            got = mta.wait_for(task_for(KABID, title), 900, start=mark)
            blat.append(got.at - t0)
            with mta.cond:
                sent = sum(1 for g in mta.got[mark:] if g.at < got.at and KADIS in g.rcpts)
            before.append(sent)
            drained = kadis_tasks(mta, other_titles, 900)  # drain the backlog before the next round
            last = max(g.at for g in drained.values()) - t0
            print(f"  backlog round {r + 1}: reply's Kabid mail after {blat[-1]:.2f} s; "
                  f"{sent}/{args.backlog} backlog Kadis mails went out before it; the last one "
                  f"{last:.1f} s after the reply", flush=True)
        if blat:
            print(line(f"liputan, behind {args.backlog} unread letters", blat))
            print(f"  backlog task mails sent before the reply's: {before} of {args.backlog} "
                  f"(0 = it waited only for its own letter)")
        print(f"liputan p50 / baseline p50: {pct(lat, 50) / pct(base_lat, 50):.1f}x")
        if args.cold:
            cold = cold_replies(mta, tasks, titles[args.n + args.backlog_rounds:], args.cold_wait)
            print(line(f"liputan, cold (after {args.cold_wait:.0f} s idle)", cold))
            print(f"  cold p50 / warm p50: {pct(cold, 50) / pct(lat, 50):.2f}x")
    finally:
        if daemon is not None:
            daemon.terminate()
            try:
                daemon.wait(15)
            except subprocess.TimeoutExpired:
                daemon.kill()
        mta.stop()
        dovecot.stop()
        conv.close()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
