"""SIGHUP (`systemctl reload liputan`): a broken rules file is refused and the running rules kept;
a valid change applies to the next request; the log lines about a request name its code."""

from __future__ import annotations

import email.policy
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from harness import letter, wait_for
from test_workflow_bodies import BANTAN, DURI

from daemon.devservers.config import write_config

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
KADIS, NEW_KADIS = "kadis@bengkaliskab.go.id", "kadis.baru@bengkaliskab.go.id"


def liputan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon.app.cli", *args], capture_output=True, check=False,
                          text=True, timeout=60, cwd=REPO)


def test_sighup_refuses_a_broken_rules_file_and_applies_a_valid_change(
        tmp_path, db_url, dovecot, mailbox_user, smtp, daemons, no_office_env):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    path = write_config(tmp_path / "liputan.toml", imap_port=dovecot.port, smtp_port=smtp.port,
                        database=db_url, rules=rules, user=mailbox_user,
                        mailbox={"poll_seconds": 1, "idle_seconds": 10, "timeout": 10})
    log = tmp_path / "daemon.log"
    proc = daemons.start(path, env=no_office_env)  # (letters as .docx: no office warm-up to wait for)

    def requests() -> list[dict]:
        return json.loads(liputan("requests", "-c", str(path), "--json").stdout or "[]")

    def send(sender: str, body: str) -> None:
        dovecot.append(mailbox_user, "INBOX", letter(sender, "Permohonan peliputan", body)
                       .as_bytes(policy=email.policy.SMTP))

    def at_step_2(n: int):
        return lambda: (rows := requests()) and len(rows) >= n and rows[n - 1]["step"] == 2 and rows

    wait_for(lambda: "liputan running" in log.read_text(), 60)
    sop, office = rules / "sop.yaml", rules / "office.yaml"
    good_sop = sop.read_text()
    sop.write_text(good_sop.replace("steps:", "steps: [", 1))  # not YAML any more
    proc.send_signal(signal.SIGHUP)
    refused = wait_for(lambda: [ln for ln in log.read_text().splitlines() if "reload refused" in ln], 30)
    assert "sop.yaml" in refused[0] and "not valid YAML" in refused[0], refused
    assert proc.poll() is None  # still running, on the old rules
    send("camat.bantan@bengkaliskab.go.id", BANTAN)  # handled on the old rules meanwhile
    wait_for(lambda: any(KADIS in r.rcpt_tos for r in smtp.messages), 90)

    sop.write_text(good_sop)
    office.write_text(office.read_text().replace(f"email: {KADIS}", f"email: {NEW_KADIS}", 1))
    proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reloaded: rules in" in log.read_text(), 30)
    send("dinkes@bengkaliskab.go.id", DURI)
    rows = wait_for(at_step_2(2), 90)
    assert rows[1]["waiting_for"] == [NEW_KADIS]  # the new office.yaml
    assert rows[0]["waiting_for"] == [KADIS]  # a request in flight keeps its task
    wait_for(lambda: any(NEW_KADIS in r.rcpt_tos for r in smtp.messages), 60)

    lines = log.read_text().splitlines()
    for row in rows:  # the dispatcher's line about each letter names the request it made
        assert any(f"[{row['code']}]" in ln and "daemon.app.dispatcher" in ln for ln in lines), lines
    daemons.stop(proc, 15)
