"""`jobtone label` driven through a real pseudo-terminal, its refusal without one, and --export/--import."""

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from datetime import datetime

import pytest

from analysis.labels import stored_labels
from analysis.lexicon import load_lexicon
from jobtone.cli import main
from scraper import store
from scraper.posting import Posting

SEEN = datetime(2024, 6, 1)
# Counted: 1, 3, 5, 6 (keep, form, keep, form); vetoed by not_near: 2 (API), 4 (spending).
TEXTS = ["We offer flexible hours.", "A flexible API for payments.", "You are flexible and kind.",
         "Flexible spending account.", "Remote and flexible work.", "A flexible team."]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "j.duckdb"
    postings = [Posting("hn", "whoishiring", str(i), "", text, datetime(2015 + i, 3, 1), "created_at",
                        company=f"Co{i}") for i, text in enumerate(TEXTS)]
    with store.opened(path) as con:
        store.load_postings(con, postings, SEEN)
    return path


def read_until(fd: int, marker: bytes, timeout: float = 60.0) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_labelling_through_a_pseudo_terminal_keeps_what_was_labelled_on_quit(db):
    pid, fd = pty.fork()
    if pid == 0:  # the child: jobtone on the terminal's side
        os.execv(sys.executable, [sys.executable, "-m", "jobtone", "--db", str(db), "-q", "label", "flexible",
                                  "--n", "4", "--seed", "3"])
    screens = [read_until(fd, b"[q]uit: ")]
    for key in (b"y", b"x", b"n", b"u"):  # x is not a key: the prompt waits for a real one
        os.write(fd, key)
        if key != b"x":
            screens.append(read_until(fd, b"[q]uit: "))
    os.write(fd, b"q")
    screens.append(read_until(fd, b"labels stored"))
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    first = screens[0].decode()
    assert "[1/4] flexible" in first and "\x1b[1;7m" in first  # the match highlighted
    assert b"3 labels stored" in screens[-1]
    with store.opened(db, read_only=True) as con:
        labels = stored_labels(con)
    assert [label.label for label in labels] == ["intended", "other", "unsure"]
    lexicon = load_lexicon()
    assert {(label.lexicon_version, label.random, label.draw) for label in labels} == {
        (lexicon.version, True, "seed=3 n=4 stratified=year,family")}
    assert all("[[" in label.context and label.year for label in labels)


def test_label_refuses_without_a_terminal(db):
    result = subprocess.run([sys.executable, "-m", "jobtone", "--db", str(db), "label", "flexible"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "needs a terminal" in result.stderr


def test_export_import_round_trip(db, tmp_path):
    from analysis.labels import Label, save_labels
    lexicon = load_lexicon()
    with store.opened(db) as con:
        save_labels(con, [Label("flexible", "default", lexicon.version, "form", 2016, "hn", "other", "seed=1", True,
                                1, 2, "A [[flexible]] API", datetime(2026, 1, 1))])
    out_file = tmp_path / "labels.jsonl"
    err = io.StringIO()
    assert main(["--db", str(db), "label", "flexible", "--export", str(out_file)], err=err) == 0
    assert "1 labels of 'flexible' written" in err.getvalue()
    assert json.loads(out_file.read_text())["context"] == "A [[flexible]] API"
    other = tmp_path / "other.duckdb"
    store.opened(other).__enter__().close()
    assert main(["--db", str(other), "label", "flexible", "--import", str(out_file)], err=io.StringIO()) == 0
    with store.opened(other, read_only=True) as con:
        assert [label.context for label in stored_labels(con)] == ["A [[flexible]] API"]
    out = io.StringIO()
    assert main(["--db", str(other), "precision", "--own", "--format", "json"], out=out) == 0
    flexible = next(row for row in json.loads(out.getvalue()) if row["term"] == "flexible" and row["era"] == "all")
    assert (flexible["labelled"], flexible["intended"], flexible["precision"]) == (1, 0, 0.0)
