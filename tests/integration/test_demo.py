"""The README's first command: `liputan demo` walks two requests through all 15 steps on the
sandbox mail server (real Dovecot, aiosmtpd, the daemon as a process) and leaves what it made."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_liputan_demo_walks_both_requests_through_all_15_steps_and_leaves_its_files(tmp_path):
    folder = tmp_path / "demo"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with (tmp_path / "demo.out").open("w") as out:  # a file, not a pipe nobody drains
        proc = subprocess.run([sys.executable, "-m", "daemon.app.cli", "demo", "--dir", str(folder)],
                              cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=420)
    text = (tmp_path / "demo.out").read_text()
    assert proc.returncode == 0, text[-4000:]

    codes = sorted(set(re.findall(r"(LPT-\d{4}-\d{4})  step", text)))
    assert len(codes) == 2, text[-4000:]
    island, mainland = codes  # the island letter is sent first
    for code in codes:
        shown = {int(n) for n in re.findall(rf"{code}  step\s+(\d+)/15", text)}
        assert shown == set(range(1, 16)), (code, sorted(shown))
    assert re.search(rf"{island}\s+skipped: on Bengkalis island, no SPT needed", text)
    assert not re.search(rf"{mainland}\s+skipped: on Bengkalis island", text)
    assert "Andi Saputra drops Berita.docx" in text  # the Kasi's own team choice for the island

    letters = folder / "state" / "documents"
    assert list((letters / island).glob("Lembar-Disposisi-*.docx"))
    assert list((letters / island).glob("Nota-Dinas-Tim-Peliputan-*.docx"))
    assert not list((letters / island).glob("SPT-*"))
    assert list((letters / mainland).glob("SPT-*.docx")) and list((letters / mainland).glob("Nota-Dinas-Pengajuan-SPT-*"))
    for code in codes:
        page = folder / "situs" / code.lower() / "index.html"
        assert page.is_file() and "<h1>" in page.read_text(encoding="utf-8")
        assert f"situs/{code.lower()}/index.html" in text  # printed where it is
        bags = list((folder / "arsip").glob(f"*/*/{code}"))
        assert len(bags) == 1
        bag = bagit.Bag(str(bags[0]))
        bag.validate()
        assert any(p.endswith("DSC_0001.JPG") for p in bag.payload_files())
    assert "(BagIt, verified)" in text and "skipped facebook (not configured)" in text
    assert text.count("press release") >= 6 and "social-media package to medsos@" in text
    report = text.split("What the demo left in", 1)[1]
    for code in codes:  # each request's channel mail under its own heading, each file its own request's
        section = re.search(rf"\n{code}  .*?(?=\n\nLPT-|\n\n  every mail)", report, re.S).group(0)
        files = re.findall(r"press release .*? (mail/\d+\.eml)", section)
        assert len(files) == 3, section
        for name in files:
            assert f"Nomor referensi: {code}" in (folder / name).read_text(encoding="utf-8"), (code, name)
