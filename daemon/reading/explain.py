"""Telling an official, in formal Indonesian, how their reply was understood and what to write."""

from __future__ import annotations

from daemon.core.types import Reading

INSTRUCTION = "Balas SETUJU untuk menyetujui, TOLAK untuk menolak, atau REVISI: catatan untuk meminta perbaikan."
UNDERSTOOD = {"approve": "PERSETUJUAN", "reject": "PENOLAKAN", "revise": "PERMINTAAN REVISI"}


def explain(reading: Reading) -> str:
    """A short formal Indonesian sentence: what was understood from the reply and what to write."""
    if reading.decision is None:
        seen = _shorten(reading.text)
        quoted = f" (teks yang kami terima: \u201c{seen}\u201d)" if seen else ""
        return f"Mohon maaf, kami belum dapat memahami keputusan dalam balasan Bapak/Ibu{quoted}. {INSTRUCTION}"
    note = f" dengan catatan \u201c{_shorten(reading.note)}\u201d" if reading.note else ""
    return (
        f"Balasan Bapak/Ibu kami pahami sebagai {UNDERSTOOD[reading.decision]}{note}. "
        f"Apabila tidak sesuai, mohon balas kembali. {INSTRUCTION}"
    )


def _shorten(text: str, limit: int = 160) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"
