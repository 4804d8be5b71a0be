"""Our outgoing mail: Jinja2 templates in templates/email/ rendered into outbox rows."""

from __future__ import annotations

import html as htmlmod
import re
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import DictLoader, Environment, StrictUndefined, TemplateSyntaxError, select_autoescape
from sqlalchemy.orm import Session

from daemon.core import indonesian, resources, units
from daemon.core.errors import ConfigError
from daemon.core.models import Outbox
from daemon.mail import outgoing

TEMPLATE_DIR = resources.templates_dir("email")


@lru_cache(maxsize=1)
def sources() -> dict[str, str]:
    """Every template's text, read from TEMPLATE_DIR once: the running code renders the templates
    of its own start (an upgrade that replaced the files on disk waits for the restart, where new
    code meets them; a template read later met old code: "'news_files' is undefined")."""
    found = {}
    for path in sorted(Path(TEMPLATE_DIR).iterdir()):
        if path.suffix in (".txt", ".html") and path.is_file() and not path.name.startswith("."):
            try:
                found[path.name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise ConfigError(path, None, f"mail template is not UTF-8 text: {exc}") from None
    return found


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=DictLoader(sources()), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, auto_reload=False, cache_size=-1)  # compiled once
    env.filters["waktu"] = lambda dt: indonesian.format_datetime(dt) if dt else "-"
    env.filters["judul"] = lambda t: indonesian.title_case(t) if t and (t.isupper() or t.istitle()) else t
    env.filters["tanggal"] = lambda d: indonesian.format_date(d) if d else "-"
    env.filters["jam"] = lambda dt: indonesian.format_time(dt) if dt else "-"
    env.filters["rentang"] = lambda r: (indonesian.format_time_range(r.event_start, r.event_end,
                                                                     r.until_done)
                                        if r.event_start else "belum diketahui")
    # a unit is greeted by its head's office: "Yth. Direktur RSUD Mandau", "Yth. Camat Bantan"
    env.filters["kepada"] = lambda unit: units.head_office(unit) or unit
    env.globals["mailto"] = mailto
    return env


def preload() -> int:
    """Read and compile every mail template now (at start): a broken one is a ConfigError naming
    the file and line, before any mail needs it. The number of templates."""
    try:
        env = environment()
    except OSError as exc:  # the folder missing, a file unreadable
        raise ConfigError(exc.filename or TEMPLATE_DIR, None, f"mail templates cannot be read: {exc}") from None
    for name in sources():
        try:
            env.get_template(name)
        except TemplateSyntaxError as exc:
            raise ConfigError(Path(TEMPLATE_DIR) / name, exc.lineno,
                              f"mail template does not compile: {exc.message}") from None
    return len(sources())


def forget() -> None:
    """Drop the templates read (tests; a restart does it for the daemon)."""
    environment.cache_clear()
    sources.cache_clear()


def mailto(mailbox: str, subject: str, body: str) -> str:
    """A one-tap reply: a new mail to the office's mailbox with the task's subject (and its tag)."""
    return (f"mailto:{mailbox}?subject={quote('Re: ' + subject, safe='')}"
            f"&body={quote(body, safe='')}")


def render(name: str, **ctx: Any) -> tuple[str, str, str]:
    """(subject, text, html) of the template set `<name>.subject.txt` / `.body.txt` [/ `.body.html`]."""
    env = environment()
    subject = env.get_template(f"{name}.subject.txt").render(**ctx).strip()
    text = env.get_template(f"{name}.body.txt").render(**ctx).strip() + "\n"
    try:
        html = env.get_template(f"{name}.body.html").render(**{"mailbox": "", **ctx,
                                                               "subject": re.sub(r"\s+", " ", subject)})
    except Exception as exc:  # noqa: BLE001 - a missing HTML part falls back to the text
        if "not found" not in str(exc) and exc.__class__.__name__ != "TemplateNotFound":
            raise
        html = text_to_html(text)
    you = salutation_of(ctx)
    if you:  # one official whose salutation office.yaml gives: "Bapak", not "Bapak/Ibu"
        subject, text, html = (re.sub(r"\bBapak/Ibu\b(?! Tim)", you, part) for part in (subject, text, html))
    return re.sub(r"\s+", " ", subject), text, html


def salutation_of(ctx: dict[str, Any]) -> str | None:
    """The addressee's salutation ("Bapak" or "Ibu"): given as `salutation`, or the `person`'s."""
    person = ctx.get("person")
    found = ctx.get("salutation") or (person.get("salutation") if isinstance(person, dict)
                                      else getattr(person, "salutation", None))
    return found if found in ("Bapak", "Ibu") else None


def text_to_html(text: str) -> str:
    """A plain HTML rendering of a text mail: paragraphs, with lines kept."""
    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join("<p>" + htmlmod.escape(p).replace("\n", "<br>\n") + "</p>" for p in paras)
    return ('<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            '<body style="font-family:Arial,sans-serif;font-size:15px;line-height:1.45;margin:0;'
            f'padding:12px;max-width:640px">{body}</body></html>')


def tag(code: str) -> str:
    return f"[{code}]"


def send(session: Session, cfg: Any, name: str, *, to: list[str], request_id: int | None = None,
         message_id: str | None = None, in_reply_to: str | None = None,
         references: list[str] | None = None, attachments: list[tuple[str, str, bytes]] | None = None,
         cc: list[str] | None = None, waits_on: list[int] | None = None,
         pending: list[dict] | None = None, flush: bool = True, defer: bool = False,
         **ctx: Any) -> Outbox | None:
    """Render template `name` and write it to the outbox in the caller's transaction (with
    `flush=False`, at the caller's next flush; `defer`: as a plain row, see outgoing.enqueue)."""
    subject, text, html = render(name, **{"mailbox": parseaddr(cfg.smtp.from_)[1], **ctx})
    return outgoing.enqueue(session, kind=name, sender=cfg.smtp.from_, to=to, cc=cc or [],
                          subject=subject, text=text, html=html, attachments=attachments or [],
                          request_id=request_id, in_reply_to=in_reply_to,
                          references=references or [], message_id=message_id,
                          waits_on=waits_on or [], pending=pending or [], flush=flush, defer=defer)
