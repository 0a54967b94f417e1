"""`jobtone schedule` in directories with awkward names: a newline (or another control character, or a
backslash) could add a cron entry or a unit setting of someone else's choosing, so it is refused with exit 2
and one line; spaces and `%` are quoted and escaped so that cron and systemd hand the exact path back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from e2e import board, jobtone, query, write_config
from replay import Reply
from test_schedule import FAKE_CRONTAB, fake_tool

GH = "/v1/boards/{}/jobs"
AWKWARD = "my jobs 100% %h"  # a space, a literal %, and a systemd specifier


def cron_command(line: str) -> str:
    """What cron runs for a crontab line (crontab(5)): the sixth field on; an unescaped % ends the command
    (the rest is its stdin), and \\% is a literal %."""
    command = line.split(None, 5)[5]
    kept, escaped = [], False
    for char in command:
        if escaped:
            kept.append(char if char == "%" else "\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            break
        else:
            kept.append(char)
    return "".join(kept)


def systemd_settings(unit: str) -> dict[str, str]:
    """key -> value of a unit file's settings (later ones win; comments and sections skipped)."""
    settings = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings[key] = value
    return settings


@pytest.fixture
def awkward(tmp_path, server, monkeypatch):
    """A project in a directory named with spaces and %, whose one board is served by the replay server,
    run by a Python whose path also holds spaces and % (a wrapper script)."""
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    workdir = tmp_path / AWKWARD
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    python = tmp_path / "python 50%" / "python"
    python.parent.mkdir()
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(python))
    return write_config(workdir, server.url, board("greenhouse", "anthropic"))


def test_cron_line_in_a_directory_with_spaces_and_percent_runs_there(awkward, tmp_path):
    code, out, err = jobtone("--config", str(awkward), "schedule")
    assert code == 0, err
    line = out.strip().splitlines()[-1]
    command = cron_command(line)
    assert f"cd '{awkward.parent}'" in command  # the % reached sh whole: nothing went to stdin
    done = subprocess.run(["/bin/sh", "-c", command], cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert query(awkward.parent / "jobtone.duckdb", "SELECT count(*) FROM postings") == [(4,)]
    assert (awkward.parent / "logs" / "cron.log").read_text() == ""


def test_reinstalling_in_such_a_directory_replaces_its_line(awkward, tmp_path, monkeypatch):
    fake_tool(tmp_path / "bin", "crontab", FAKE_CRONTAB)
    table = tmp_path / "crontab.txt"
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CRONTAB", str(table))
    for every in ("6h", "12h"):
        code, _, err = jobtone("--config", str(awkward), "schedule", "--every", every, "--install")
        assert code == 0, err
    [line] = table.read_text(encoding="utf-8").splitlines()
    assert line.split()[1] == "*/12"
    assert cron_command(line).endswith(f"# jobtone schedule: {awkward.parent}")


def test_systemd_units_in_a_directory_with_spaces_and_percent(awkward, tmp_path):
    code, out, err = jobtone("--config", str(awkward), "schedule", "--systemd")
    assert code == 0, err
    service = out.split(".service\n", 1)[1].split("\n# ", 1)[0]
    settings = systemd_settings(service)
    # systemd reads %% as %: the unit hands back the exact directory, and no specifier (%h) is expanded
    assert settings["WorkingDirectory"].replace("%%", "%") == str(awkward.parent)
    assert re.fullmatch(r"jobtone: .*\(.*\)", settings["Description"].replace("%%", "%"))
    assert "%h" not in settings["Description"].replace("%%", "")
    assert settings["ExecStart"].startswith(f'"{sys.executable.replace("%", "%%")}" -m jobtone --config ')
    if shutil.which("systemd-analyze"):  # it resolves specifiers and quoting, and checks the command exists
        unit = tmp_path / "jobtone-test.service"
        unit.write_text(service, encoding="utf-8")
        done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
        if "Failed to initialize manager" not in done.stderr:
            assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name, reason", [
    ("evil\n* * * * * touch pwned", "a newline"),
    ("tab\there", "a control character ('\\t')"),
    ("back\\slash", "a backslash"),
])
@pytest.mark.parametrize("kind", ["--cron", "--systemd"])
def test_a_directory_that_cannot_be_written_safely_is_refused(tmp_path, monkeypatch, name, reason, kind):
    fake_tool(tmp_path / "bin", "crontab", FAKE_CRONTAB)
    fake_tool(tmp_path / "bin", "systemctl", "#!/bin/sh\nexit 0\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CRONTAB", str(tmp_path / "crontab.txt"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    workdir = tmp_path / name
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for install in ([], ["--install"]):
        code, out, err = jobtone("schedule", kind, *install)
        assert (code, out) == (2, "")
        [line] = err.splitlines()
        assert line.startswith(f"jobtone: cannot schedule: this directory {str(workdir)!r} holds {reason}, ")
    assert not (tmp_path / "crontab.txt").exists() and not (tmp_path / "config").exists()


def test_a_config_path_that_cannot_be_written_safely_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "conf\nig"
    folder.mkdir()
    config = folder / "jobtone.toml"
    config.write_text(f'[database]\npath = "{tmp_path / "jobtone.duckdb"}"\n', encoding="utf-8")
    code, out, err = jobtone("--config", str(config), "schedule")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"jobtone: cannot schedule: a path on the command line {str(config)!r} holds a "
                                "newline, which cannot be written safely into a crontab line or a systemd unit; "
                                "rename or move it and try again"]


def test_a_database_path_with_a_newline_is_a_config_error(tmp_path):
    config = tmp_path / "jobtone.toml"
    config.write_text('[database]\npath = "data/x\\ny.duckdb"\n', encoding="utf-8")
    code, out, err = jobtone("--config", str(config), "schedule")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"jobtone: {config}: [database] path 'data/x\\ny.duckdb' holds a control character "
                                "(a newline?)"]


def test_a_fine_directory_is_unchanged(tmp_path, monkeypatch):
    workdir = Path(tmp_path / "jobs")
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    code, out, err = jobtone("schedule")
    assert code == 0, err
    assert out.splitlines()[-1].endswith(f"2>&1 # jobtone schedule: {workdir}")
