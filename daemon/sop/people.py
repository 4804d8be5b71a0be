"""Who holds which role today: officials, their acting officials (Plt./Plh.), how to name them."""

from __future__ import annotations

from typing import Any

from daemon.core.context import Context
from daemon.core.models import Request
from daemon.core.rules import Acting, Person


def acting_for(ctx: Context, role: str) -> Acting | None:
    """The role's acting official: the one in office today, else the first one listed."""
    if role not in ctx.rules.office.roles:
        return None
    acting = ctx.rules.office.roles[role].acting  # type: ignore[index]
    today = ctx.local_now().date()
    current = [a for a in acting if a.from_ <= today <= a.to]
    return (current or acting or [None])[0]


def addresses_for(ctx: Context, req: Request, role: str) -> list[str]:
    """Whose reply counts for a role today: the acting official first (if any), then the holder."""
    if role == "requester":
        return [req.requester_email]
    holder, title = ctx.rules.office.holder(role, ctx.local_now().date())
    official = ctx.rules.office.roles[role].email  # type: ignore[index]
    return [holder.email] if not title else [holder.email, official]


def person(ctx: Context, email: str) -> tuple[Person | None, str | None, str | None]:
    """(person, acting title, role) of an official's address; acting entries carry their title."""
    email = email.lower()
    for role, off in ctx.rules.office.roles.items():
        if off.email == email:
            return off, None, role
    for role, off in ctx.rules.office.roles.items():
        for a in off.acting:
            if a.email == email:
                return a, a.title, role
    return None, None, None


def jabatan(ctx: Context, role: str) -> str:
    if role in ctx.rules.office.roles:
        return ctx.rules.office.roles[role].jabatan  # type: ignore[index]
    return {"team": "Tim Peliputan", "requester": "Pemohon"}.get(role, role)


def signer_dict(p: Person, title: str | None, role: str) -> dict[str, Any]:
    return {"name": p.name, "nip": p.nip, "pangkat": p.pangkat, "jabatan": p.jabatan,
            "email": p.email, "title": title or "", "role": role}


def described(ctx: Context, email: str) -> str:
    """An official as people name them: "Kepala Bidang ... (Muhammad Fadli, S.Kom., M.T.)"."""
    p, title, role = person(ctx, email)
    if p is None:
        return email
    return f"{title + ' ' if title else ''}{jabatan(ctx, role or '')} ({p.name})"


def title_name(p: Person, title: str | None) -> str:
    """"Plt. Hj. Rosnaini, S.Sos., M.Si." or just the name."""
    return f"{title + ' ' if title else ''}{p.name}"
