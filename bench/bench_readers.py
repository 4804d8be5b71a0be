"""Benchmark the inbound readers (parse + classify + read_reply) against bare stdlib parsing, and
report their decision accuracy and false approvals on the reply corpus, and that machine mail (read
receipts, auto-replies, bounces) is never read as a decision."""

from __future__ import annotations

import argparse
import email
import email.policy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from daemon.mail import mime  # noqa: E402
from daemon.reading.classify import classify  # noqa: E402
from daemon.reading.replies import load_lexicon, read_reply  # noqa: E402


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


def accuracy(lexicon: dict[str, list[str]], folder: Path) -> tuple[int, int, list[str]]:
    """(right decisions, replies with an expected decision, names of false approvals) over a corpus
    folder's expected.yaml; a false approval is "approve" where the official did not approve."""
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8")) or {}
    right, total, false = 0, 0, []
    for name, exp in sorted(expected.items()):
        if not exp or "decision" not in exp:
            continue
        got = read_reply(mime.parse((folder / name).read_bytes()), lexicon).decision
        total += 1
        right += got == exp["decision"]
        if got == "approve" and exp["decision"] != "approve":
            false.append(name)
    return right, total, false


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data")
    args = parser.parse_args()
    raws = [p.read_bytes() for p in sorted(args.data.rglob("*.eml"))]
    if not raws:
        sys.exit(f"no .eml files under {args.data}")
    lexicon = load_lexicon(ROOT / "rules" / "lexicon.yaml")
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
    replies = args.data / "replies"
    if (replies / "expected.yaml").exists():
        right, total, false = accuracy(lexicon, replies)
        print(f"decision accuracy on {replies}: {right}/{total} ({100 * right / max(total, 1):.1f}%)")
        print(f"false approvals: {len(false)}" + (f" ({', '.join(false)})" if false else ""))
    for folder in ("auto", "bounces", "noise"):  # read receipts, auto-replies, bounces: never a decision
        path = args.data / folder
        if (path / "expected.yaml").exists():
            right, total, false = accuracy(lexicon, path)
            if total:
                print(f"machine mail in {folder}/ read as a decision: {total - right}/{total}, "
                      f"false approvals: {len(false)}")


if __name__ == "__main__":
    main()
