"""Send .eml files to the sandbox's SMTP server, as a unit's mail client would."""

from __future__ import annotations

import argparse
import smtplib
import sys
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--to", default="liputan@bengkaliskab.go.id")
    p.add_argument("files", nargs="+", type=Path)
    args = p.parse_args()
    with smtplib.SMTP("127.0.0.1", args.port) as smtp:
        for path in args.files:
            msg = message_from_bytes(path.read_bytes(), policy=policy.default)
            sender = parseaddr(str(msg.get("From", "")))[1] or "pengirim@bengkaliskab.go.id"
            smtp.sendmail(sender, [args.to], path.read_bytes())
            print(f"sent {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
