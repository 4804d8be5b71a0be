"""SOP steps 1-10 over real IMAP (Dovecot) and SMTP (aiosmtpd), officials replying from mail."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime

import pytest
from harness import (
    KABID,
    KADIS,
    KASI,
    SEKDIS,
    WIB,
    Clock,
    attachments_of,
    docx_text,
    letter,
    reply,
)
from test_workflow_bodies import BANTAN, DURI

from daemon.app import work
from daemon.app.dispatcher import Dispatcher
from daemon.core.context import Context
from daemon.mail import mime
from daemon.mail.mailbox import MailboxWorker
from daemon.mail.outbox import OutboxWorker

pytestmark = pytest.mark.integration


class Office:
    """The daemon's three workers on real servers, pumped until nothing moves."""

    def __init__(self, config, factory, dovecot, mailbox_user, smtp):
        self.clock = Clock(datetime(2026, 11, 30, 8, 0, tzinfo=WIB))
        self.ctx = Context.load(config, now=self.clock)
        self.mailbox = MailboxWorker(config, factory, self.ctx.raw_dir)
        self.dispatcher = Dispatcher(self.ctx, factory)
        self.jobs = work.runner(self.ctx, factory, "chain")
        self.outbox = OutboxWorker(config, factory)
        self.dovecot, self.user, self.smtp = dovecot, mailbox_user, smtp
        self.factory = factory

    def pump(self) -> None:
        for _ in range(20):
            moved = (self.mailbox.run_once() + self.dispatcher.run_once() + self.jobs.run_once()
                     + self.outbox.run_once())
            if not moved:
                return
        raise AssertionError("the office never went quiet")

    def send(self, msg) -> None:
        self.dovecot.append(self.user, "INBOX", msg.as_bytes(policy=email.policy.SMTP))
        self.pump()

    def received(self, address: str) -> list:
        out = []
        for r in self.smtp.messages:
            if address in [a.lower() for a in r.rcpt_tos]:
                out.append(email.message_from_bytes(r.data, policy=email.policy.default))
        return out

    def last(self, address: str):
        got = self.received(address)
        assert got, f"nothing was sent to {address}"
        return got[-1]

    def answer(self, who: str, text: str, style: str = "gmail") -> None:
        self.send(reply(self.last(who), who, text, style=style))

    def history(self, code: str) -> list:
        from sqlalchemy import select

        from daemon.core.models import Event, Request
        with self.factory() as s:
            req = s.scalars(select(Request).where(Request.code == code)).one()
            return [(e.step, e.kind, e.decision, e.actor) for e in
                    s.scalars(select(Event).where(Event.request_id == req.id).order_by(Event.id))]

    def request(self):
        from sqlalchemy import select

        from daemon.core.models import Request
        with self.factory() as s:
            return s.scalars(select(Request).order_by(Request.id.desc())).first()


def check_every_mail(office: Office, code: str, title: str, date: str) -> None:
    """Every mail we sent for the request: auto-generated, tagged, Indonesian dates, and every
    letter attached a valid .docx naming the event, its date and a numbered letter."""
    import re

    from icalendar import Calendar
    seen = 0
    for got in office.smtp.messages:
        msg = email.message_from_bytes(got.data, policy=email.policy.default)
        if msg["X-Liputan-Kind"] == "alert":
            continue
        seen += 1
        assert msg["Auto-Submitted"] == "auto-generated"
        assert f"[{code}]" in msg["Subject"]
        assert msg["Message-ID"].endswith("@bengkaliskab.go.id>")
        for name, data in attachments_of(msg).items():
            if name.endswith(".docx"):
                text = docx_text(data)
                assert title in text and date in text, name
                if name.startswith("Lembar-Disposisi"):  # numbered by the agenda register
                    assert re.search(r"\b\d{4}\b", text), name
                elif not name.startswith("SPT"):  # an SPT is numbered when it is signed
                    assert re.search(r"\d{3}/(?:[IVX]+/)?2026", text), name  # a letter number
                for nip in ("19680411 199303 1 009",) if name.startswith("SPT") else ():
                    assert nip in text
            elif name.endswith(".ics"):  # the invitation; the travel is published beside it
                cal = Calendar.from_ical(data)
                assert str(cal["METHOD"]) == ("PUBLISH" if "perjalanan" in name else "REQUEST")
    assert seen >= 6


@pytest.fixture
def office(config, factory, dovecot, mailbox_user, smtp):
    o = Office(config, factory, dovecot, mailbox_user, smtp)
    yield o
    o.mailbox.close()


def test_bantan_request_walks_steps_1_to_10_by_mail(office):
    office.send(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan Musrenbang", BANTAN,
                       display="Kantor Camat Bantan"))
    req = office.request()
    ack = office.last("camat.bantan@bengkaliskab.go.id")
    assert req.code in ack["Subject"] and ack["Auto-Submitted"] == "auto-generated"
    kadis = office.last(KADIS)
    assert "Disposisi" in docx_text(next(v for k, v in attachments_of(kadis).items()
                                         if k.startswith("Lembar")))
    office.answer(KADIS, "Setuju, lanjutkan", "outlook")
    office.answer(KABID, "acc", "iphone")
    kasi = office.last(KASI)
    assert "Tim peliputan yang diusulkan" in mime.body_text(kasi)
    office.answer(KASI, "Setuju")
    memo_mail = office.last(KABID)
    memo = docx_text(next(v for k, v in attachments_of(memo_mail).items() if k.startswith("Nota-Dinas")))
    for m in office.request().team:
        assert m["name"] in memo and m["nip"] in memo
    office.answer(KABID, "SETUJU")
    req = office.request()
    assert (req.state, req.step) == ("open", 10)
    for m in req.team:
        got = office.last(m["email"])
        files = attachments_of(got)
        assert any(k.endswith(".ics") for k in files)
        assert not any(k.startswith("SPT") for k in files)
        assert "Senin, 7 Desember 2026" in mime.body_text(got)
    kinds = [h[1] for h in office.history(req.code)]
    assert kinds.count("decided") == 4 and kinds.count("skipped") == 3
    check_every_mail(office, req.code, "Musrenbang Kecamatan Bantan", "7 Desember 2026")


def test_duri_request_goes_through_the_spt_by_mail(office):
    office.send(letter("disdik@bengkaliskab.go.id", "Permohonan peliputan peresmian SDN 12", DURI,
                       display="Dinas Pendidikan"))
    for who in (KADIS, KABID, KASI, KABID):
        office.answer(who, "setuju")
    spt_mail = office.last(KABID)
    assert "Surat Perintah Tugas" in spt_mail["Subject"]
    office.answer(KABID, "Setuju, sudah saya paraf")
    office.answer(SEKDIS, "ok setuju")
    kadis_mail = office.last(KADIS)
    spt = " ".join(docx_text(next(v for k, v in attachments_of(kadis_mail).items()
                                  if k.startswith("SPT"))).split())  # a PDF's lines wrap anywhere
    paraf = spt.split("Paraf koordinasi", 1)[1]  # both paraf are on the version the Kadis signs
    assert "Muhammad Fadli" in paraf and "Rosnaini" in paraf
    office.answer(KADIS, "Setuju", "iphone")
    req = office.request()
    assert (req.state, req.step, req.outside_island) == ("open", 10, True)
    got = office.last(req.team[0]["email"])
    spt = " ".join(docx_text(next(v for k, v in attachments_of(got).items() if k.startswith("SPT"))).split())
    assert "telah disetujui oleh Kepala Dinas" in spt and "elektronik" not in spt  # no e-signature claimed
    assert "Rabu, 9 Desember 2026" in spt
    assert "19680411 199303 1 009" in spt
    decided = [h for h in office.history(req.code) if h[1] == "decided"]
    assert [h[0] for h in decided] == [2, 3, 4, 6, 9, 9, 9]
    assert [h[3] for h in decided][-3:] == [KABID, SEKDIS, KADIS]
    check_every_mail(office, req.code, "Peresmian Gedung Sekolah Dasar", "9 Desember 2026")
