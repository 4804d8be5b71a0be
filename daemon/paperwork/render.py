"""The letter-rendering job: a stored context rendered with docxtpl, then the optional PDF copy."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from daemon.mail import outgoing
from daemon.core import memory
from daemon.paperwork import letters, pdf

NO_OFFICE = "salinan PDF tidak dibuat: LibreOffice tidak terpasang"


def encode(context: Any) -> Any:
    """A letter context as JSON-safe data (datetimes and dates tagged), for a job's payload."""
    if isinstance(context, datetime):
        return {"__datetime__": context.isoformat()}
    if isinstance(context, date):
        return {"__date__": context.isoformat()}
    if isinstance(context, dict):
        return {str(k): encode(v) for k, v in context.items()}
    if isinstance(context, (list, tuple)):
        return [encode(v) for v in context]
    if context is None or isinstance(context, (str, int, float, bool)):
        return context
    return encode(vars(context)) if hasattr(context, "__dict__") else str(context)


def decode(data: Any) -> Any:
    if isinstance(data, dict):
        if set(data) == {"__datetime__"}:
            return datetime.fromisoformat(data["__datetime__"])
        if set(data) == {"__date__"}:
            return date.fromisoformat(data["__date__"])
        return {k: decode(v) for k, v in data.items()}
    if isinstance(data, list):
        return [decode(v) for v in data]
    return data


def payload(template: str, context: dict, out: Path, document_id: int) -> dict:
    data = {"template": template, "context": encode(context), "out": str(out),
            "document_id": document_id}
    json.dumps(data)  # fail now, in the caller's transaction, not later in the job
    return data


def render_docx(data: dict) -> str:
    """The .docx alone (atomic, fsynced): the CPU-bound part, which a worker process may run. A
    worker hands the memory the render freed back to the system at once (the daemon does it with
    its heartbeat): without it each worker kept ~100 MB after a few hundred letters."""
    try:
        return str(letters.render(data["template"], decode(data["context"]), Path(data["out"])))
    finally:
        if memory.in_worker():
            memory.release()


def render_docx_and_mail(data: dict, mails: list[dict]) -> tuple[str, dict[int, bytes]]:
    """The .docx, then each mail that waits only for it, built as `outgoing.release` would
    (in the worker process too: the daemon's process then only queues the bytes). `mails`:
    {"id": outbox id, "parts": its parts}, whose items are inline files or {"rendered": name,
    "type": type}, the letter just made."""
    path = render_docx(data)

    def resolve(item: dict) -> list[outgoing.Attachment]:
        if "rendered" not in item:
            raise ValueError(f"not a file of this letter: {item!r}")
        return [(item["rendered"], item["type"], Path(path).read_bytes())]

    return path, {m["id"]: outgoing.build_waiting(m["parts"], resolve) for m in mails}


def _here(fn: Callable[..., str], *args: Any) -> str:
    return fn(*args)


def render_letter(data: dict, converter: pdf.PdfConverter | None = None,
                  run: Callable[..., Any] | None = None,
                  mails: Callable[[], list[dict]] | None = None) -> tuple[dict, dict[int, bytes]]:
    """Run one render job: the .docx through `run` (a worker pool's; in this process when None),
    then a PDF copy through this process's long-lived LibreOffice when there is one; the result
    says why there is no PDF otherwise. With no LibreOffice, the mail `mails()` names (see
    render_docx_and_mail) is built there too; its bytes by outbox id come second."""
    converter = converter or pdf.default_converter()
    if not converter.available():
        waiting = mails() if mails is not None else []
        if waiting:
            path, built = (run or _here)(render_docx_and_mail, data, waiting)
            return {"path": path, "pdf": None, "pdf_note": NO_OFFICE}, built
    out = Path((run or _here)(render_docx, data))
    if not converter.available():
        return {"path": str(out), "pdf": None, "pdf_note": NO_OFFICE}, {}
    made = converter.convert(out)
    return {"path": str(out), "pdf": str(made) if made else None,
            "pdf_note": None if made else "salinan PDF gagal dibuat; surat dikirim dalam .docx"}, {}
