"""Checks on who sent a reply, before it is applied: a display name imitating an official, a
display name that is only a role from an unknown address, and the office server's DKIM/SPF
verdict on an official's decision. A failed check is refused, recorded and quarantined."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.app.outcome import Outcome
from daemon.core import quarantine_reasons as reasons
from daemon.core.models import Outbox, utcnow
from daemon.mail import mails
from daemon.reading import trust
from daemon.sop import engine, people

log = logging.getLogger("daemon.app.dispatcher")
FORGERY_WARNING_EVERY = timedelta(hours=1)  # one warning per request and official in this time


def forgery(d: Any, s: Session, req, display: str, sender: str, mid: str | None) -> None:
    """A display name imitating an official from another address is refused; the official is warned."""
    officials = [(p.name, p.email) for p in d.ctx.rules.office.roles.values()]
    officials += [(a.name, a.email) for p in d.ctx.rules.office.roles.values() for a in p.acting]
    victim = trust.impersonation(display, sender, officials)
    if victim is None:
        return
    engine.record(d.ctx, s, req, "refused", actor=sender, message_id=mid,
                  note=f"nama pengirim meniru pejabat ({victim}) dari alamat lain")
    warn_official(d, s, req, victim, display, sender)
    raise Outcome("quarantined", reasons.english("imitated_name", victim=victim, sender=sender))


def warn_official(d: Any, s: Session, req, official: str, display: str, sender: str) -> None:
    """Tell the official someone replied in their name (the operator in copy): once an hour
    per request, so a run of forgeries is one warning, not a flood; each is in the history."""
    since = utcnow() - FORGERY_WARNING_EVERY
    earlier = s.scalars(select(Outbox.recipients).where(
        Outbox.request_id == req.id, Outbox.kind == "forged", Outbox.created_at > since))
    if any(official.lower() in {str(a).lower() for a in r} for r in earlier):
        log.info("%s: another reply in the name of %s from %s; warned within the hour already",
                 req.code, official, sender)
        return
    p, _, _ = people.person(d.ctx, official)
    mails.send(s, d.ctx.cfg, "forged", to=[official], cc=[d.ctx.cfg.office.operator],
               request_id=req.id, r=req, tag=mails.tag(req.code), office=d.ctx.rules.office,
               person=p, display=display, sender=sender)


def role_name(d: Any, s: Session, req, display: str, sender: str, mid: str | None) -> None:
    """A display name that is only a role ("Kepala Dinas", "Bupati") from an unknown address is
    refused; the official holding the role (or, above the office, the operator) is told."""
    if d.known(req, sender):
        return
    office = d.ctx.rules.office
    officials = [(p.jabatan, p.email) for p in office.roles.values()]
    claim = trust.role_claim(display, officials, (office.office.short, office.office.name))
    if claim is None:
        return
    role, holder = claim
    engine.record(d.ctx, s, req, "refused", actor=sender, message_id=mid,
                  note=f"nama pengirim hanya jabatan ({role}) dari alamat yang tidak dikenal")
    if holder is not None:
        warn_official(d, s, req, holder, display, sender)
    else:
        mails.send(s, d.ctx.cfg, "alert", to=[d.ctx.cfg.office.operator], request_id=req.id,
                   heading=f"Balasan atas nama jabatan {role} dari alamat tidak dikenal",
                   message=f"Balasan untuk permohonan {req.code} dikirim dengan nama \"{display}\" "
                           f"dari alamat {sender}, yang bukan alamat pejabat yang kami kenal. "
                           "Balasan tersebut tidak kami proses dan pengirim tidak kami balas.",
                   lines=[f"Alasan: nama pengirim hanya jabatan ({role}), bukan nama pejabat."])
    raise Outcome("quarantined", reasons.english("role_only_name", role=role, sender=sender))


def authentication(d: Any, s: Session, msg, req, task, sender: str, mid: str | None) -> None:
    """Officials' decisions must pass the office server's DKIM/SPF check, when configured."""
    authserv = d.ctx.cfg.office.authserv_id
    if not authserv or task.role == "requester":  # units write from anywhere
        return
    ok, why = trust.auth_passes(msg, authserv)
    if ok:
        return
    engine.record(d.ctx, s, req, "refused", step=task.step, actor=sender, message_id=mid,
                    note=f"surel tidak lolos pemeriksaan DKIM/SPF: {why}")
    d.answer(s, req, sender, mid, "Balasan Bapak/Ibu tidak lolos pemeriksaan keaslian surel "
                "(DKIM/SPF) server kantor, sehingga tidak kami terapkan. Mohon balas dari akun "
                "surel resmi kantor.")
    raise Outcome("quarantined", reasons.english("authentication_failed", why=why))
