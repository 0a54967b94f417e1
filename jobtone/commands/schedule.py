"""Run `jobtone run` on a schedule: print (or --install) a crontab line or a systemd user timer.

The scheduled command runs in this directory with this Python (so the same config and database),
with --quiet: each run writes its whole log to data/logs/run-YYYYMMDDTHHMMSS.log anyway, and stderr
(warnings, crashes) goes to data/logs/cron.log or the systemd journal. A run that finds the previous one
still going exits at once (code 4); see `jobtone runs` for what each run did.

--every takes hours that divide a day (1h 2h 3h 4h 6h 8h 12h), 1d or 1w. Runs start at a minute derived
from this directory, so several installations do not all hit the job boards at the same moment.

Paths are quoted for cron (sh quoting, `%` escaped) and systemd (`%` specifiers doubled, quoted words). A
path holding a newline or another control character, a backslash, or bytes that are not text cannot be
written safely into either, so such a directory (or --config/--db path) is refused with exit 2.

Examples:
  jobtone schedule                       # print a crontab line for every 6 hours
  jobtone schedule --every 12h --install # ...and add it to your crontab
  jobtone schedule --systemd --install   # a systemd user service + timer, enabled"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from scraper.errors import ConfigError, JobtoneError
from scraper.run_logs import logs_dir

NAME = "schedule"
DAILY_HOUR = 4  # daily and weekly runs start at 04:MM local time, when the boards are quiet
# Exit codes that need nobody's attention in unattended operation (see `jobtone --help`): some boards
# failed (recorded in `jobtone runs`), the database was locked (postings staged), the last run still going.
ROUTINE_EXIT_CODES = (ExitCode.PARTIAL, ExitCode.LOCKED, ExitCode.BUSY)


@dataclass(frozen=True)
class Every:
    hours: int

    @property
    def label(self) -> str:
        return "1w" if self.hours == 168 else "1d" if self.hours == 24 else f"{self.hours}h"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--every", type=parse_every, default=Every(6), metavar="INTERVAL",
                        help="how often: 1h 2h 3h 4h 6h 8h 12h, 1d or 1w (default: 6h)")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--cron", dest="kind", action="store_const", const="cron", help="a crontab line (the default)")
    kind.add_argument("--systemd", dest="kind", action="store_const", const="systemd",
                      help="a systemd user service and timer")
    parser.add_argument("--install", action="store_true",
                        help="install it for the current user (crontab, or ~/.config/systemd/user + enable the timer)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    job = Job.for_context(ctx, args.every)
    job.check_paths()
    if args.kind == "systemd":
        units = {f"{job.unit}.service": job.service(), f"{job.unit}.timer": job.timer()}
        if args.install:
            return install_systemd(units, job.unit, ctx)
        for name, text in units.items():
            ctx.out.write(f"# {systemd_user_dir() / name}\n{text}\n")
        ctx.out.write(f"# then: systemctl --user daemon-reload && systemctl --user enable --now {job.unit}.timer\n"
                      "# and, to run while you are logged out: loginctl enable-linger $USER\n")
        return ExitCode.OK
    if args.install:
        return install_cron(job.cron_line(), job.marker, ctx)
    ctx.out.write(f"# add with `crontab -e` (or run `jobtone schedule --install`):\n{job.cron_line()}\n")
    return ExitCode.OK


def parse_every(text: str) -> Every:
    """`6h`, `1d`, `1w` → Every; intervals a crontab cannot repeat evenly are refused."""
    match = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", text.lower())
    hours = int(match.group(1)) * {"h": 1, "d": 24, "w": 168}[match.group(2)] if match else 0
    if hours in (24, 168) or (hours and 24 % hours == 0):
        return Every(hours)
    raise argparse.ArgumentTypeError(
        f"{text!r}: use hours that divide a day (1h 2h 3h 4h 6h 8h 12h), 1d or 1w "
        "(no less than an hour: postings change slowly, and the job boards are shared public services)")


@dataclass(frozen=True)
class Job:
    """What to run, where, and how often."""

    argv: tuple[str, ...]
    workdir: Path
    log_dir: Path
    every: Every

    @classmethod
    def for_context(cls, ctx: Context, every: Every) -> Job:
        """`python -m jobtone [--config ABS] [--db ABS] --quiet run`, run in the current directory."""
        argv = [sys.executable, "-m", "jobtone"]
        if ctx.config_path:
            argv += ["--config", str(Path(ctx.config_path).resolve())]
        if ctx.db_override:
            argv += ["--db", str(Path(ctx.db_override).resolve())]
        return cls((*argv, "--quiet", "run"), Path.cwd().resolve(), logs_dir(Path(ctx.db_path).resolve()), every)

    @property
    def minute(self) -> int:
        return int(hashlib.md5(str(self.workdir).encode()).hexdigest(), 16) % 60

    @property
    def marker(self) -> str:
        """The comment ending this directory's crontab line, as written there (`%` escaped)."""
        return _cron_escape(f"# jobtone schedule: {self.workdir}")

    def check_paths(self) -> None:
        """Refuse paths that cannot be written safely into a crontab line or a systemd unit (a newline
        would start a new cron entry or unit setting): ConfigError, exit 2, one line."""
        for what, path in (("this directory", str(self.workdir)), ("the log folder", str(self.log_dir)),
                           *(("a path on the command line", arg) for arg in self.argv)):
            problem = unsafe_path_reason(path)
            if problem:
                raise ConfigError(f"cannot schedule: {what} {path!r} holds {problem}, which cannot be written "
                                  "safely into a crontab line or a systemd unit; rename or move it and try again")

    @property
    def unit(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.workdir.name).strip("-")[:40] or "root"
        return f"jobtone-{slug}-{hashlib.md5(str(self.workdir).encode()).hexdigest()[:6]}"

    def cron_line(self) -> str:
        """One crontab line: cd, run, append stderr to logs/cron.log; ends with this directory's marker."""
        command = (f"mkdir -p {shlex.quote(str(self.log_dir))} && cd {shlex.quote(str(self.workdir))} && "
                   f"{shlex.join(self.argv)} >> {shlex.quote(str(self.log_dir / 'cron.log'))} 2>&1")
        return f"{self.cron_times()} {_cron_escape(command)} {self.marker}"

    def cron_times(self) -> str:
        hours = self.every.hours
        if hours == 168:
            return f"{self.minute} {DAILY_HOUR} * * 1"
        if hours == 24:
            return f"{self.minute} {DAILY_HOUR} * * *"
        return f"{self.minute} {'*' if hours == 1 else f'*/{hours}'} * * *"

    def on_calendar(self) -> str:
        hours = self.every.hours
        if hours == 168:
            return f"Mon *-*-* {DAILY_HOUR:02d}:{self.minute:02d}:00"
        if hours == 24:
            return f"*-*-* {DAILY_HOUR:02d}:{self.minute:02d}:00"
        return f"*-*-* {'*' if hours == 1 else f'00/{hours}'}:{self.minute:02d}:00"

    def service(self) -> str:
        return f"""[Unit]
Description=jobtone: scrape job boards into the database ({_systemd_text(self.workdir)})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={_systemd_text(self.workdir)}
ExecStart={' '.join(_systemd_quote(a) for a in self.argv)}
# 1 = some boards failed (see `jobtone runs`), 3 = database locked (postings staged for the next run),
# 4 = the previous run is still going: routine in unattended operation, not a failed unit.
SuccessExitStatus={' '.join(str(int(code)) for code in ROUTINE_EXIT_CODES)}
# a run stuck longer than the interval is stopped, so it cannot hold the run lock for ever
TimeoutStartSec={self.every.hours}h
Nice=10
"""

    def timer(self) -> str:
        return f"""[Unit]
Description=Run jobtone every {self.every.label} ({_systemd_text(self.workdir)})

[Timer]
OnCalendar={self.on_calendar()}
# catch up on a run missed while the machine was off or asleep
Persistent=true
RandomizedDelaySec=120

[Install]
WantedBy=timers.target
"""


def install_cron(line: str, marker: str, ctx: Context) -> int:
    """Replace this directory's line in the user's crontab (other lines are kept), or add it."""
    current = _call(["crontab", "-l"], check=False)
    if current.returncode != 0 and "no crontab" not in current.stderr.lower():
        raise JobtoneError(f"`crontab -l` failed: {current.stderr.strip()}")
    kept = [existing for existing in current.stdout.splitlines() if not existing.endswith(marker)]
    _call(["crontab", "-"], stdin="\n".join([*kept, line]) + "\n")
    print(f"installed in your crontab (`crontab -l` shows it):\n{line}", file=ctx.err)
    return ExitCode.OK


def install_systemd(units: dict[str, str], unit: str, ctx: Context) -> int:
    """Write the units to ~/.config/systemd/user and enable the timer."""
    directory = systemd_user_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in units.items():
        (directory / name).write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(str(directory / n) for n in units)}", file=ctx.err)
    _call(["systemctl", "--user", "daemon-reload"])
    _call(["systemctl", "--user", "enable", "--now", f"{unit}.timer"])
    print(f"enabled {unit}.timer (`systemctl --user list-timers` shows it); to run while you are logged out: "
          "loginctl enable-linger $USER", file=ctx.err)
    return ExitCode.OK


def systemd_user_dir() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "systemd" / "user"


def _call(argv: list[str], stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise JobtoneError(f"`{argv[0]}` is not installed here: print the schedule without --install and "
                           "set it up by hand (see the README)") from None
    if check and done.returncode != 0:
        raise JobtoneError(f"`{' '.join(argv)}` failed: {(done.stderr or done.stdout).strip()}")
    return done


def unsafe_path_reason(path: str) -> str | None:
    """Why a path cannot go into a crontab line or a systemd unit, or None when it can (after quoting)."""
    for char in path:
        if char == "\n":
            return "a newline"
        if ord(char) < 32 or 127 <= ord(char) < 160:
            return f"a control character ({char!r})"
        if char == "\\":
            return "a backslash"
        if 0xD800 <= ord(char) <= 0xDFFF:
            return "bytes that are not valid text (UTF-8)"
    return None


def _cron_escape(text: str) -> str:
    """cron turns an unescaped % into a newline (the rest becomes the command's stdin): escape each one."""
    return text.replace("%", "\\%")


def _systemd_text(value: object) -> str:
    """Text in a unit setting: `%` starts a specifier (%h, %u, ...) unless doubled."""
    return str(value).replace("%", "%%")


def _systemd_quote(arg: str) -> str:
    """An ExecStart= word: specifiers (%) and variables ($) escaped, quoted when it holds spaces."""
    escaped = arg.replace("\\", "\\\\").replace("%", "%%").replace("$", "$$").replace('"', '\\"')
    return f'"{escaped}"' if re.search(r'[\s"\\\']', arg) else escaped

