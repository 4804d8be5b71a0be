"""Start-up time of `liputan --help` and `liputan check` beside `python -c pass`, measured in the
same run (median of N runs each, interleaved so a busy machine slows all of them alike), with
the CPU time each used (user + system, median), which a busy machine disturbs less.

    python bench/bench_startup.py [-n 15] [--compare /path/to/another/checkout]

--compare also times that checkout's `liputan --help` and `liputan check` in the same rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what the installed `liputan` script does (console_scripts entry point)
ENTRY = "import sys; from daemon.app.cli import main; sys.exit(main())"


def commands(config: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {"python -c pass": [py, "-c", "pass"],
            "liputan --help": [py, "-c", ENTRY, "--help"],
            "liputan check": [py, "-c", ENTRY, "check", "-c", str(config)]}


CPU: dict[str, list[float]] = {}  # CPU seconds (user + system) of each command's runs


def cpu_used() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def once(argv: list[str], env: dict[str, str], name: str = "") -> float:
    """One run; `python -c` puts its working folder first on sys.path: the checkout's own."""
    start, cpu = time.perf_counter(), cpu_used()
    done = subprocess.run(argv, cwd=env["PYTHONPATH"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    took = time.perf_counter() - start
    CPU.setdefault(name, []).append(cpu_used() - cpu)
    if done.returncode != 0:
        raise SystemExit(f"{argv[2:]} failed: {done.stderr.decode()[-400:]}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=15, help="runs of each command (default 15)")
    ap.add_argument("-c", "--config", type=Path, default=ROOT / "systemd" / "liputan.toml")
    ap.add_argument("--compare", type=Path, help="another checkout of liputan, e.g. the main branch")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        # bytecode cached as an installed package has it (pip compiles at install), in a folder of
        # our own: a PYTHONDONTWRITEBYTECODE shell would otherwise compile every module every run
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LIPUTAN_CACHE_DIR": cache,
               "PYTHONPYCACHEPREFIX": str(Path(cache) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cmds = {name: (argv, env) for name, argv in commands(args.config.resolve()).items()}
        if args.compare:
            other = {**env, "PYTHONPATH": str(args.compare.resolve())}
            cmds.update({f"{name} ({args.compare.name})": (argv, other)
                         for name, argv in commands(args.config.resolve()).items() if "liputan" in name})
        cold = once(cmds["liputan check"][0], env)  # the templates read by docxtpl, then cached
        for argv, run_env in cmds.values():  # bytecode written, as at install
            once(argv, run_env)
        times: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(args.n):
            for name, (argv, run_env) in cmds.items():
                times[name].append(once(argv, run_env, name))
    base = statistics.median(times["python -c pass"])
    print(f"start-up, median of {args.n} runs ({sys.executable}, load {os.getloadavg()[0]:.1f}):")
    for name, runs in times.items():
        med = statistics.median(runs)
        print(f"  {name:<24} {med * 1000:7.0f} ms  (min {min(runs) * 1000:4.0f}, "
              f"{med - base:+.3f} s over python -c pass; CPU {statistics.median(CPU[name]) * 1000:4.0f} ms)")
    print(f"  liputan check, first run (templates read by docxtpl, rules validated, no bytecode yet): "
          f"{cold * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
