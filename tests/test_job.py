"""The main job as a library (`jobtone.job.run`), called as a script would: a Config, a clock, callbacks."""

from datetime import datetime

from e2e import board, write_config
from jobtone import job
from jobtone.exitcodes import ExitCode
from replay import Reply
from scraper.config import load_config

GH = "/v1/boards/{}/jobs"


def test_run_reports_each_board_and_adds_up_the_exit_code(tmp_path, server):
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    server.route(GH.format("nosuchboard"), Reply.json({"status": 404, "error": "Job not found"}, status=404))
    boards = board("greenhouse", "anthropic") + board("greenhouse", "nosuchboard")
    config = load_config(write_config(tmp_path, server.url, boards))
    seen: list[object] = []
    callbacks = job.Callbacks(scrape_start=seen.append, board_done=lambda outcome: seen.append(outcome.board),
                              scrape_end=seen.append)
    result = job.run(config, out_dir=tmp_path / "out", now=lambda: datetime(2026, 12, 6, 5, 0), callbacks=callbacks)
    assert result.code == ExitCode.PARTIAL  # one board not found; everything else done
    assert seen[0] == 2 and sorted(seen[1:3]) == ["anthropic", "nosuchboard"] and seen[3] == result.summaries[-1]
    assert [s.command for s in result.summaries] == ["run"]  # no Hacker News board: no history first
    assert tmp_path / "out" / "index.html" in result.written
    assert list((tmp_path / "logs").glob("run-20261206T050000.log"))  # the run's own log, named by the clock
