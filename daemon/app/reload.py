"""SIGHUP: the config and rules/ read again and checked as at start-up; a bad change is refused
(the running rules stay), a good one is handed to the workers for their next piece of work."""

from __future__ import annotations

import logging

from daemon.core import indonesian
from daemon.core.config import Config, load_config
from daemon.core.context import Context
from daemon.core.errors import ConfigError
from daemon.core.rules_check import validate_sop
from daemon.core.yamlfile import ProblemsError
from daemon.sop.kinds import KINDS

log = logging.getLogger("daemon.app.reload")
# what the running workers took at start: a change to these waits for a restart
AT_RESTART = ("mailbox", "smtp", "paths", "delivery", "jobs")


class Refused(Exception):
    """The new config or rules are not valid; the message names every problem (file and line)."""


def load(old: Config) -> tuple[Config, Context]:
    """The config (from the same file) and rules as they are now on disk, validated as at start-up."""
    try:
        cfg = load_config(old.source) if old.source is not None else old
        ctx = Context.load(cfg)
        problems = validate_sop(ctx.rules.sop, KINDS)
        if problems:
            raise ProblemsError(problems)
    except ProblemsError as exc:
        indonesian.set_zone(old.office.timezone)  # Context.load set the new one first
        raise Refused("; ".join(str(p) for p in exc.problems)) from None
    except ConfigError as exc:
        indonesian.set_zone(old.office.timezone)
        raise Refused(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - whatever it is, the running rules stay
        indonesian.set_zone(old.office.timezone)
        raise Refused(f"{type(exc).__name__}: {exc}") from None
    return cfg, ctx


def waiting_for_restart(old: Config, new: Config) -> list[str]:
    """The sections that changed but apply only after a restart."""
    return [name for name in AT_RESTART if getattr(old, name) != getattr(new, name)]
