"""Benchmark the inbound readers: their speed (parse + classify + read_reply) against bare stdlib parsing,
and their accuracy on the corpus (decision, note and false approvals on the replies; title, date, time,
end, place, kecamatan, island, unit, contact and missing fields on the request letters), beside the
readers of the first pass (before issue 8, taken from git and run in the same run) and a bag-of-words
decision reader (the first decision word anywhere in the mail, quotes included)."""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if "--scores" not in sys.argv:  # --scores runs whatever `daemon` PYTHONPATH gives (the first pass)
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from daemon.mail import mime  # noqa: E402

FIRST_PASS = "526daa1"  # main just before issue 8's readers were merged (7a9de01)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # as tests/unit/test_extract.py
FIELDS = {  # field shown -> keys of a request expectation it covers
    "title": ("title_contains",), "date": ("event_date",), "time": ("start",), "end": ("end", "until_done"),
    "place": ("location_contains", "location"), "kecamatan": ("kecamatan",), "island": ("outside_island",),
    "unit": ("requester_contains",), "contact": ("contact_phone", "contact_name_contains"),
    "letter": ("letter_number", "letter_date"), "missing": ("missing",),
}


# ---- speed ---------------------------------------------------------------------------------------
def baseline(raw: bytes) -> None:
    """What any consumer pays: parse with the default policy and find the body."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    if body is not None:
        try:
            body.get_content()
        except (LookupError, ValueError, KeyError):
            pass


def readers(lexicon: dict[str, list[str]]) -> Callable[[bytes], None]:
    from daemon.reading.classify import classify
    from daemon.reading.replies import read_reply

    def run(raw: bytes) -> None:
        msg = mime.parse(raw)
        classify(msg, "liputan.bengkaliskab.go.id")
        read_reply(msg, lexicon)

    return run


def measure(fn: Callable[[bytes], None], raws: list[bytes], rounds: int) -> list[float]:
    """Messages per second for each round."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for raw in raws:
            fn(raw)
        rates.append(len(raws) / (time.perf_counter() - start))
    return rates


# ---- accuracy ------------------------------------------------------------------------------------
def _expected(folder: Path) -> dict[str, Any]:
    path = folder / "expected.yaml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


def _squash(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold()


def decision_scores(data: Path, read: Callable[[Any], Any]) -> dict[str, Any]:
    """Right decisions and notes over replies/, false approvals, and machine mail read as a decision."""
    out: dict[str, Any] = {"decision": [0, 0], "note": [0, 0], "false_approvals": [], "machine_decided": [0, 0]}
    for folder in ("replies", "auto", "bounces", "noise"):
        for name, exp in sorted(_expected(data / folder).items()):
            if not exp or "decision" not in exp:
                continue
            got = read(mime.parse((data / folder / name).read_bytes()))
            if folder != "replies":
                out["machine_decided"][0] += got.decision is not None
                out["machine_decided"][1] += 1
                continue
            out["decision"][0] += got.decision == exp["decision"]
            out["decision"][1] += 1
            if "note" in exp:
                out["note"][0] += got.decision == exp["decision"] and _squash(got.note) == _squash(exp["note"])
                out["note"][1] += 1
            if got.decision == "approve" and exp["decision"] != "approve":
                out["false_approvals"].append(name)
    return out


def _field_right(facts: Any, key: str, want: Any) -> bool:
    if facts is None:
        return False
    if key.endswith("_contains"):
        return _squash(want) in _squash(getattr(facts, key[: -len("_contains")]))
    if key in ("start", "end"):
        got = getattr(facts, key)
        want_dt = datetime.fromisoformat(want) if want else None
        return got == want_dt and (got is None or got.utcoffset() == want_dt.utcoffset())
    if key in ("event_date", "letter_date"):
        return getattr(facts, key) == (date.fromisoformat(want) if want else None)
    if key == "missing":
        return sorted(facts.missing) == sorted(want)
    return getattr(facts, key) == want


def field_scores(data: Path, rules: Path) -> dict[str, list[int]]:
    """Per field: [right, expected] over every event of every request letter."""
    from daemon.core.places import load_places
    from daemon.reading.extract import extract_requests

    places = load_places(rules / "places.yaml")
    out = {name: [0, 0] for name in ("letters", *FIELDS)}
    for path in sorted((data / "requests").glob("*.expected.yaml")):
        want = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("requests") or []
        eml = path.with_name(path.name[: -len(".expected.yaml")] + ".eml")
        got = extract_requests(mime.parse(eml.read_bytes()), places, NOW)
        out["letters"][0] += len(got) == len(want)
        out["letters"][1] += 1
        for i, exp in enumerate(want):
            facts = got[i] if i < len(got) else None
            for name, keys in FIELDS.items():
                present = [k for k in keys if k in exp]
                if present:
                    out[name][0] += all(_field_right(facts, k, exp[k]) for k in present)
                    out[name][1] += 1
    return out


def scores(data: Path, rules: Path) -> dict[str, Any]:
    """Every accuracy figure of the `daemon` package importable here."""
    from daemon.reading.replies import load_lexicon, read_reply

    lexicon = load_lexicon(rules / "lexicon.yaml")
    return {"replies": decision_scores(data, lambda msg: read_reply(msg, lexicon)),
            "requests": field_scores(data, rules)}


class _Bag:
    """A bag-of-words reader: the first decision word anywhere in the mail's text, quotes included."""

    def __init__(self, lexicon: dict[str, list[str]]) -> None:
        words = [(w, kind) for kind in ("approve", "reject", "revise") for w in lexicon[kind]]
        words.sort(key=lambda wk: -len(wk[0]))
        self.rx = re.compile(r"\b(" + "|".join(re.escape(w) for w, _ in words) + r")\b", re.IGNORECASE)
        self.kind = {w: kind for w, kind in words}

    def __call__(self, msg: Any) -> Any:
        from daemon.core.types import Reading

        text = mime.body_text(msg)
        m = self.rx.search(text)
        return Reading(self.kind[m.group(1).lower()] if m else None, "", text)


def first_pass_scores(ref: str, data: Path) -> dict[str, Any] | str:
    """The scores of the readers at git `ref`, run in a subprocess on the same corpus; a string says why not."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "daemon", "rules"], capture_output=True,
                                 check=False)
        if archive.returncode != 0:
            return f"git archive {ref} failed: {archive.stderr.decode(errors='replace').strip()}"
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        env = dict(os.environ, PYTHONPATH=tmp)
        run = subprocess.run([sys.executable, __file__, "--scores", "--data", str(data), "--rules",
                              str(Path(tmp) / "rules")], capture_output=True, text=True, cwd=tmp, env=env,
                             check=False)
        if run.returncode != 0:
            return f"first pass failed: {run.stderr.strip().splitlines()[-1:]}"
        return json.loads(run.stdout)


def _pct(pair: list[int]) -> str:
    right, total = pair
    return f"{right}/{total} ({100 * right / total:.1f}%)" if total else "-"


def report(ours: dict[str, Any], first: dict[str, Any] | str, bag: dict[str, Any], ref: str) -> None:
    old = first if isinstance(first, dict) else None
    print(f"\n{'replies':24} {'readers now':>18} {'first pass ' + ref:>20} {'bag of words':>18}")
    for key in ("decision", "note", "machine_decided"):
        label = "machine mail decided" if key == "machine_decided" else key
        row = [_pct(ours["replies"][key]), _pct(old["replies"][key]) if old else "-",
               _pct(bag[key]) if key != "note" else "-"]
        print(f"{label:24} {row[0]:>18} {row[1]:>20} {row[2]:>18}")
    counts = [len(ours["replies"]["false_approvals"]), len(old["replies"]["false_approvals"]) if old else "-",
              len(bag["false_approvals"])]
    print(f"{'false approvals':24} {counts[0]!s:>18} {counts[1]!s:>20} {counts[2]!s:>18}")
    if ours["replies"]["false_approvals"]:
        print("  now:", ", ".join(ours["replies"]["false_approvals"]))
    print(f"\n{'request letters':24} {'readers now':>18} {'first pass ' + ref:>20}")
    for name in ("letters", *FIELDS):
        label = "events per letter" if name == "letters" else name
        print(f"{label:24} {_pct(ours['requests'][name]):>18} {_pct(old['requests'][name]) if old else '-':>20}")
    if not old:
        print(f"(first pass not measured: {first})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--first-pass", default=FIRST_PASS, help="git revision of the readers to compare with")
    parser.add_argument("--scores", action="store_true", help="print this package's scores as JSON (internal)")
    args = parser.parse_args()
    if args.scores:
        print(json.dumps(scores(args.data, args.rules)))
        return
    from daemon.reading.replies import load_lexicon

    raws = [p.read_bytes() for p in sorted(args.data.rglob("*.eml"))]
    if not raws:
        sys.exit(f"no .eml files under {args.data}")
    lexicon = load_lexicon(args.rules / "lexicon.yaml")
    run = readers(lexicon)
    for fn in (baseline, run):  # warm-up: regex compilation, imports, caches
        measure(fn, raws, 1)
    base = measure(baseline, raws, args.rounds)
    ours = measure(run, raws, args.rounds)
    size = sum(map(len, raws)) / 1024
    print(f"messages: {len(raws)} ({size:.0f} KiB) from {args.data}, rounds: {args.rounds}")
    print(f"{'':38} {'median msg/s':>13} {'best msg/s':>11}")
    print(f"{'baseline: message_from_bytes+get_body':38} {statistics.median(base):13.0f} {max(base):11.0f}")
    print(f"{'readers: parse+classify+read_reply':38} {statistics.median(ours):13.0f} {max(ours):11.0f}")
    print(f"readers cost {statistics.median(base) / statistics.median(ours):.1f}x the baseline per message")
    report(scores(args.data, args.rules), first_pass_scores(args.first_pass, args.data),
           decision_scores(args.data, _Bag(lexicon)), args.first_pass)


if __name__ == "__main__":
    main()
