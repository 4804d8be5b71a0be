"""Until when an out-of-office auto-reply says its sender is away: "sampai 7 Desember",
"hingga tanggal 7 Desember 2026", "cuti 1 s.d. 7 Desember", "back on December 7, 2026"."""

from __future__ import annotations

import re
from datetime import date, datetime

from daemon.reading.datetimes import find_dates

MAX_LINES, MAX_LINE = 80, 400  # an auto-reply says it near its top; lines are bounded (linear)
_UNTIL = re.compile(
    r"\b(?:sampai(?:\s+dengan)?|hingga|s\.?\s?d\.?|s/d|until|till|through|back\s+on|return(?:ing)?\s+on|"
    r"kembali(?:\s+(?:bertugas|berkantor|masuk|ke\s+kantor|aktif))?(?:\s+(?:pada|tanggal|tgl\.?))?)"
    r"(?![a-z])", re.IGNORECASE)


_BACK = re.compile(r"^(?:kembali|back|return)", re.IGNORECASE)


def until(text: str, now: datetime) -> tuple[date, bool] | None:
    """(the date, whether it is the day back) an auto-reply names: the last day away after
    "sampai"/"hingga"/"until" or at the end of a range ("1 s.d. 7 Desember"), or the day back
    after "kembali pada"/"back on"; None when it names none."""
    for line in (text or "").splitlines()[:MAX_LINES]:
        line = line[:MAX_LINE]
        said = _UNTIL.search(line)
        if said is None:
            continue
        for hit in find_dates(line, now):
            if hit.end_value is not None and hit.start <= said.start() < hit.end:
                return hit.end_value, False  # the keyword inside a range: its end
            if hit.start >= said.end() - 1:
                return hit.end_value or hit.value, bool(_BACK.match(said.group(0)))
    return None
