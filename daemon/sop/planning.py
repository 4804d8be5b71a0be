"""Step 4's glue: propose the team and schedule from the roster, apply the Kasi's changes."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Assignment, Request
from daemon.sop import team as teamlib
from daemon.sop import teamchanges
from daemon.sop.team import Member, Schedule

SCHEDULE_KEYS = ("depart", "arrive", "start", "end", "return_by")
# "tambahkan fotografer", "perlu videografer juga": a skill asked for without naming anyone
# "ganti timnya", "timnya diganti", "mohon tukar petugasnya": a new team asked for, nobody named
_CHANGE = r"\b(?:meng?|di|me)?(?:ganti|ubah|rubah|tukar|ukar)\w*"
_WHOM = r"\b(?:tim|petugas|anggota|personel|personil|orang)\w*"
CHANGE_UNNAMED = re.compile(rf"{_CHANGE}[^.;\n]{{0,40}}{_WHOM}|{_WHOM}[^.;\n]{{0,40}}{_CHANGE}", re.I)
UNNAMED_CHANGE = ("Balasan Bapak/Ibu meminta tim peliputan diganti, tetapi belum menyebutkan petugas "
                  "penggantinya, sehingga tim dan jadwal belum kami tetapkan. Untuk mengubah tim, mohon "
                  "tuliskan nama petugas, misalnya \"Setuju. Tim: Andi, Rina (foto)\"; untuk menetapkan "
                  "tim yang diusulkan, cukup balas SETUJU.")
ASK_SKILL = re.compile(r"\b(?:tambah|tambahkan|ditambah|perlu|butuh|minta)\b(?P<what>[^.;\n]*)", re.I)


def roster(ctx: Context) -> list[Member]:
    return teamlib.members_from_staff(ctx.rules.office.staff)


def schedule_to_json(sch: Schedule) -> dict:
    data = {k: getattr(sch, k).isoformat() for k in SCHEDULE_KEYS}
    data["notes"] = list(sch.notes)
    return data


def schedule_from_json(data: dict) -> Schedule | None:
    if not data or "depart" not in data:
        return None
    return Schedule(**{k: datetime.fromisoformat(data[k]) for k in SCHEDULE_KEYS},
                    notes=list(data.get("notes", [])))


def team_to_json(members: list[Member], roles: dict[str, str]) -> list[dict]:
    roles = {e.lower(): r for e, r in roles.items()}
    out = []
    for m in members:
        role = roles.get(m.email.lower(), "")
        out.append({**asdict(m), "skills": list(m.skills), "role": role,
                    "task": teamlib.task_label(role).capitalize()})
    return out


def team_from_json(data: list[dict]) -> tuple[list[Member], dict[str, str]]:
    members = [Member(name=d["name"], nip=d["nip"], pangkat=d["pangkat"], jabatan=d["jabatan"],
                      email=d["email"], skills=tuple(d.get("skills", []))) for d in data]
    return members, {d["email"]: d.get("role", "") for d in data}


def busy_elsewhere(s: Session, req: Request) -> list[teamlib.Busy]:
    """Every active booking of other requests (the whole trip, travel included)."""
    rows = s.execute(select(Assignment, Request.code).join(Request, Request.id == Assignment.request_id)
                     .where(Assignment.active.is_(True), Assignment.request_id != req.id,
                            Request.state == "open")).all()
    return [teamlib.Busy(email=a.email, start=a.start, end=a.end, code=code) for a, code in rows]


def history(s: Session) -> dict[str, int]:
    """How often each person has been assigned, for a fair rotation."""
    rows = s.execute(select(Assignment.email, func.count()).where(Assignment.active.is_(True))
                     .group_by(Assignment.email)).all()
    return {email: n for email, n in rows}


def propose(ctx: Context, s: Session, req: Request) -> teamlib.Proposal:
    """Propose and store the team and schedule on the request."""
    rules = ctx.rules.office.team
    where = ctx.places.resolve(req.location or "")
    schedule = teamlib.plan_schedule(req.event_start, req.event_end, where.travel_minutes,
                                     rules.prepare_minutes)
    skills = teamlib.needed_skills(req.title or "", req.subject or "", list(rules.default_skills))
    proposal = teamlib.propose(roster(ctx), skills, schedule, busy_elsewhere(s, req), history(s),
                               rules.max_size)
    req.team = team_to_json(proposal.members, proposal.roles)
    req.schedule = schedule_to_json(schedule)
    return proposal


def skills_asked(text: str) -> list[str]:
    """Skills the Kasi asks to add without naming a person ("tambahkan fotografer")."""
    found: list[str] = []
    for m in ASK_SKILL.finditer(text or ""):
        found += [k for k in teamlib.skills_in(m.group("what")) if k not in found]
    return found


def names_anyone(change: teamchanges.TeamChange) -> bool:
    """Whether a team change names a person ("timnya" read as an unknown name does not)."""
    unknown = [u for u in change.unknown if not re.fullmatch(_WHOM, u.strip(), re.I)]
    return bool(change.members is not None or change.add or change.remove or change.roles or unknown)


def changes_team(ctx: Context, text: str) -> bool:
    """Whether a reply at the team step says anything about the team."""
    return not teamchanges.parse_team_change(text, roster(ctx)).empty or bool(skills_asked(text))


def add_for_skills(ctx: Context, s: Session, req: Request, members: list[Member],
                   roles: dict[str, str], skills: list[str]) -> str | None:
    """Add one free person per asked skill (fair rotation); a problem to answer when nobody is."""
    schedule = schedule_from_json(req.schedule)
    taken = {m.email for m in members}
    for skill in skills:
        pool = [m for m in roster(ctx) if m.email not in taken and skill in m.skills]
        pick = teamlib.propose(pool, [skill], schedule, busy_elsewhere(s, req), history(s), 1)
        if not pick.members:
            return (f"Tidak ada petugas dengan keahlian {skill} yang tersedia pada waktu tersebut. "
                    "Mohon tuliskan nama petugas yang Bapak/Ibu tunjuk.")
        members.append(pick.members[0])
        roles[pick.members[0].email] = skill
        taken.add(pick.members[0].email)
    return None


def fill_roles(ctx: Context, req: Request, members: list[Member], roles: dict[str, str]) -> None:
    """Give people named without a task one from their skills, covering what the event needs."""
    rules = ctx.rules.office.team
    needed = teamlib.needed_skills(req.title or "", req.subject or "", list(rules.default_skills))
    covered = {k.strip() for e, r in roles.items() if r for k in r.split(",")}
    for m in members:
        if roles.get(m.email):
            continue
        open_skills = [k for k in needed if k not in covered and k in m.skills]
        pick = open_skills[0] if open_skills else (m.skills[0] if m.skills else "")
        roles[m.email] = pick
        covered.add(pick)


def apply_reply(ctx: Context, s: Session, req: Request, reply_text: str) -> tuple[str | None, bool]:
    """Apply the Kasi's team changes; (problem to answer, whether the team changed)."""
    people = roster(ctx)
    change = teamchanges.parse_team_change(reply_text, people)
    if not names_anyone(change) and not skills_asked(reply_text) and \
            CHANGE_UNNAMED.search(reply_text or ""):
        return UNNAMED_CHANGE, False  # when in doubt, the proposed team is not approved
    if change.unknown:
        return ("Nama berikut tidak kami temukan atau tidak jelas dalam daftar petugas: "
                + "; ".join(change.unknown) + ". Mohon tulis ulang dengan nama lengkap. Petugas yang "
                "terdaftar: " + ", ".join(m.name for m in people) + "."), False
    members, roles = team_from_json(req.team)
    if change.empty:
        new_members, new_roles = list(members), dict(roles)
    else:
        new_members = teamchanges.apply_change(members, change, people)
        new_roles = teamchanges.apply_roles(roles, change, new_members)
    asked = skills_asked(reply_text) if not change.add and change.members is None else []
    if asked:
        problem = add_for_skills(ctx, s, req, new_members, new_roles, asked)
        if problem:
            return problem, False
    fill_roles(ctx, req, new_members, new_roles)
    schedule = schedule_from_json(req.schedule)
    clashes = teamlib.check_busy(new_members, schedule, busy_elsewhere(s, req)) if schedule else []
    if clashes:
        return ("Susunan tim belum dapat ditetapkan karena ada petugas yang sudah bertugas pada "
                "waktu yang sama: " + " ".join(clashes) + " Mohon pilih petugas lain."), False
    if not new_members:
        return "Tim peliputan masih kosong. Mohon tuliskan nama petugas, misalnya \"Tim: Andi, Rina (foto)\".", False
    req.team = team_to_json(new_members, new_roles)
    book(ctx, s, req)
    return None, not change.empty or bool(asked)


def book(ctx: Context, s: Session, req: Request) -> None:
    """Replace the request's bookings with the current team over the whole trip."""
    schedule = schedule_from_json(req.schedule)
    for a in s.scalars(select(Assignment).where(Assignment.request_id == req.id)):
        s.delete(a)
    if schedule is None:
        return
    for d in req.team:
        s.add(Assignment(request_id=req.id, email=d["email"], name=d["name"], skill=d.get("role", ""),
                         start=schedule.depart, end=schedule.return_by, active=True))


def confirmation(req: Request) -> str:
    members, roles = team_from_json(req.team)
    schedule = schedule_from_json(req.schedule)
    return teamlib.confirmation_text(members, roles, schedule) if schedule else ""


def replan(ctx: Context, s: Session, req: Request) -> list[str]:
    """The event moved: same team, new schedule and bookings; returns clash warnings."""
    rules = ctx.rules.office.team
    where = ctx.places.resolve(req.location or "")
    schedule = teamlib.plan_schedule(req.event_start, req.event_end, where.travel_minutes,
                                     rules.prepare_minutes)
    req.schedule = schedule_to_json(schedule)
    members, _ = team_from_json(req.team)
    clashes = teamlib.check_busy(members, schedule, busy_elsewhere(s, req))
    if s.scalars(select(Assignment).where(Assignment.request_id == req.id)).first() is not None:
        book(ctx, s, req)
    req.flags = [*req.flags, *clashes]
    return clashes
