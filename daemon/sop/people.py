"""Who holds which role today: officials, their acting officials (Plt./Plh.), how to name them."""

from __future__ import annotations

from datetime import date
from typing import Any

from daemon.core.context import Context
from daemon.core.models import Request
from daemon.core.rules_office import Acting, Person


def acting_for(ctx: Context, role: str, on: date | None = None) -> Acting | None:
    """The role's acting official in office on a date (today by default); None outside their dates."""
    if role not in ctx.rules.office.roles:
        return None
    acting = ctx.rules.office.roles[role].acting  # type: ignore[index]
    on = on or ctx.local_now().date()
    return next((a for a in acting if a.from_ <= on <= a.to), None)


def delegate_to(ctx: Context, role: str) -> Acting | None:
    """Whom a DELEGASIKAN reply hands a task to: the acting official in office, else the first listed."""
    if role not in ctx.rules.office.roles:
        return None
    acting = ctx.rules.office.roles[role].acting  # type: ignore[index]
    return acting_for(ctx, role) or (acting[0] if acting else None)


def addresses_for(ctx: Context, req: Request, role: str) -> list[str]:
    """Whose reply counts for a role today: the acting official first (if any), then the holder."""
    if role == "requester":
        return [req.requester_email]
    holder, title = ctx.rules.office.holder(role, ctx.local_now().date())
    official = ctx.rules.office.roles[role].email  # type: ignore[index]
    return [holder.email] if not title else [holder.email, official]


def person(ctx: Context, email: str, role: str | None = None,
           on: date | None = None) -> tuple[Person | None, str | None, str | None]:
    """(person, acting title, role) of an official's address on a date (today by default).

    The office the address holds in `role` comes first (a Sekretaris acting as Plt. Kepala Dinas
    signs as Plt.), then an acting office in force on the date, then the person's own office."""
    email, on = email.lower(), on or ctx.local_now().date()
    roles = ctx.rules.office.roles
    if role in roles:
        holder, title = ctx.rules.office.holder(role, on)  # type: ignore[arg-type]
        if holder.email == email:
            return holder, title, role
    for name, off in roles.items():
        for a in off.acting:
            if a.email == email and a.from_ <= on <= a.to:
                return a, a.title, name
    for name, off in roles.items():
        if off.email == email:
            return off, None, name
    for role, off in ctx.rules.office.roles.items():
        for a in off.acting:
            if a.email == email:
                return a, a.title, role
    return None, None, None


def next_signer(ctx: Context, roles: list[str], seq: int) -> int | None:
    """The next signer after `seq`, passing over one who signs again later in another office
    (a Sekretaris acting as Plt. Kepala Dinas signs once, as Plt.)."""
    today = ctx.local_now().date()
    office = ctx.rules.office
    holders = [office.holder(r, today)[0].email if r in office.roles else r for r in roles]
    for n in range(seq + 1, len(roles)):
        if holders[n] not in holders[n + 1:]:
            return n
    return None


def jabatan(ctx: Context, role: str) -> str:
    if role in ctx.rules.office.roles:
        return ctx.rules.office.roles[role].jabatan  # type: ignore[index]
    return {"team": "Tim Peliputan", "requester": "Pemohon"}.get(role, role)


def signer_dict(p: Person, title: str | None, role: str) -> dict[str, Any]:
    return {"name": p.name, "nip": p.nip, "pangkat": p.pangkat, "jabatan": p.jabatan,
            "email": p.email, "title": title or "", "role": role, "salutation": p.salutation}


def described(ctx: Context, email: str) -> str:
    """An official as people name them: "Kepala Bidang ... (Muhammad Fadli, S.Kom., M.T.)"."""
    p, title, role = person(ctx, email)
    if p is None:
        return email
    return f"{title + ' ' if title else ''}{jabatan(ctx, role or '')} ({p.name})"


def acting_line(ctx: Context, email: str, role: str | None) -> str | None:
    """How the history names an acting official deciding for `role` today, as the letters sign:
    "Plt. Kepala Dinas ...: Hj. Rosnaini, S.Sos., M.Si., NIP 19720305 199803 2 004"; None for
    the holder themself (or anyone not acting)."""
    p, title, held = person(ctx, email, role)
    if p is None or not title or held is None:
        return None
    nip = f", NIP {p.nip}" if getattr(p, "nip", None) else ""
    return f"{title} {jabatan(ctx, held)}: {p.name}{nip}"


def title_name(p: Person, title: str | None) -> str:
    """"Plt. Hj. Rosnaini, S.Sos., M.Si." or just the name."""
    return f"{title + ' ' if title else ''}{p.name}"


def addressed(ctx: Context, email: str) -> dict[str, str | None]:
    """How a mail greets one reader in the roster, as the task mails and answers do: their name
    with an acting title ("Plt. Hj. Rosnaini, S.Sos., M.Si.") and their salutation ("Ibu");
    {} for an address the roster does not hold (the template's "Bapak/Ibu" stays)."""
    p, title, _ = person(ctx, email)
    if p is None:
        p = next((m for m in ctx.rules.office.staff if m.email == email.lower()), None)
    return {"greeting": title_name(p, title), "salutation": p.salutation} if p is not None else {}
