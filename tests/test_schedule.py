"""`jobtone schedule`: the crontab line and systemd units it prints really run `jobtone run` in the right place,
and --install edits the user's crontab / systemd folder (with stand-ins for `crontab` and `systemctl`)."""

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from e2e import board, jobtone, query, write_config
from replay import Reply

GH = "/v1/boards/{}/jobs"

FAKE_CRONTAB = """#!/bin/sh
# stand-in for crontab(1): the table lives in $FAKE_CRONTAB
case "$1" in
  -l) if [ -f "$FAKE_CRONTAB" ]; then cat "$FAKE_CRONTAB"; else echo "no crontab for $USER" >&2; exit 1; fi ;;
  -) cat > "$FAKE_CRONTAB" ;;
  *) exit 2 ;;
esac
"""
FAKE_SYSTEMCTL = """#!/bin/sh
echo "$@" >> "$FAKE_SYSTEMCTL_LOG"
"""


def fake_tool(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def project(tmp_path, server, monkeypatch):
    """A working directory with a config whose one board is served by the replay server."""
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    workdir = tmp_path / "my project"  # a space, to prove the quoting
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return write_config(workdir, server.url, board("greenhouse", "anthropic"))


def test_cron_line_runs_jobtone_in_the_working_directory(project, tmp_path):
    code, out, err = jobtone("--config", str(project), "schedule", "--every", "6h")
    assert code == 0, err
    line = out.strip().splitlines()[-1]
    minute, hours, *rest = line.split(" ", 5)
    assert 0 <= int(minute) < 60 and hours == "*/6" and rest[:3] == ["*", "*", "*"]
    assert f"cd {shlex.quote(str(project.parent))}" in line and "--quiet run" in line
    assert line.endswith(f"# jobtone schedule: {project.parent}")
    # run the command the way cron does: sh -c, a bare environment, another working directory
    done = subprocess.run(["/bin/sh", "-c", rest[3]], cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert query(project.parent / "jobtone.duckdb", "SELECT count(*) FROM postings") == [(4,)]
    logs = project.parent / "logs"
    [run_log] = logs.glob("run-*.log")
    assert "greenhouse:anthropic ok: 4 fetched, 4 new" in run_log.read_text()
    assert (logs / "cron.log").read_text() == ""  # --quiet: nothing went wrong, nothing on stderr


def test_intervals(project):
    lines = {every: jobtone("--config", str(project), "schedule", "--every", every)[1].splitlines()[-1]
             for every in ("1h", "12h", "1d", "1w")}
    fields = {every: line.split()[:5] for every, line in lines.items()}
    minute = fields["1h"][0]
    assert fields == {"1h": [minute, "*", "*", "*", "*"], "12h": [minute, "*/12", "*", "*", "*"],
                      "1d": [minute, "4", "*", "*", "*"], "1w": [minute, "4", "*", "*", "1"]}
    for bad in ("5h", "30m", "0h", "2d", "soon"):
        code, _, err = jobtone("--config", str(project), "schedule", "--every", bad)
        assert code == 2 and "divide a day" in err  # argparse's own usage error


def test_systemd_units(project):
    code, out, err = jobtone("--config", str(project), "schedule", "--systemd", "--every", "1d")
    assert code == 0, err
    assert f"WorkingDirectory={project.parent}\n" in out
    assert f'ExecStart={sys.executable} -m jobtone --config "{project}" --quiet run\n' in out
    assert "Type=oneshot" in out and "SuccessExitStatus=1 3 4" in out and "TimeoutStartSec=24h" in out
    minute = int(out.split("OnCalendar=*-*-* 04:")[1][:2])
    assert 0 <= minute < 60 and "Persistent=true" in out and "WantedBy=timers.target" in out


def test_install_cron_replaces_only_its_own_line(project, tmp_path, monkeypatch):
    fake_tool(tmp_path / "bin", "crontab", FAKE_CRONTAB)
    table = tmp_path / "crontab.txt"
    table.write_text("MAILTO=me@example.com\n0 0 * * * backup.sh\n", encoding="utf-8")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CRONTAB", str(table))
    assert jobtone("--config", str(project), "schedule", "--install")[0] == 0
    code, _, err = jobtone("--config", str(project), "schedule", "--every", "12h", "--install")
    assert code == 0, err
    lines = table.read_text().splitlines()
    assert lines[:2] == ["MAILTO=me@example.com", "0 0 * * * backup.sh"] and len(lines) == 3
    assert lines[2].split()[1] == "*/12" and "installed in your crontab" in err


def test_install_systemd_writes_units_and_enables_the_timer(project, tmp_path, monkeypatch):
    fake_tool(tmp_path / "bin", "systemctl", FAKE_SYSTEMCTL)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SYSTEMCTL_LOG", str(tmp_path / "systemctl.log"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    code, _, err = jobtone("--config", str(project), "schedule", "--systemd", "--install")
    assert code == 0, err
    units = sorted(p.name for p in (tmp_path / "config/systemd/user").iterdir())
    assert len(units) == 2 and units[0].endswith(".service") and units[1].endswith(".timer")
    name = units[1].removesuffix(".timer")
    assert name.startswith("jobtone-my-project-")
    assert (tmp_path / "systemctl.log").read_text().splitlines() == [
        "--user daemon-reload", f"--user enable --now {name}.timer"]


def test_install_without_the_tool_is_a_clear_error(project, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = jobtone("--config", str(project), "schedule", "--install")
    assert code == 1 and "`crontab` is not installed" in err
