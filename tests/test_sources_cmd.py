"""`jobtone sources`: configured boards with their last outcome, and the study companies' coverage."""

import json

from e2e import board, jobtone, write_config
from replay import Reply


def test_sources_before_and_after_a_scrape(tmp_path, server):
    server.route("/v1/boards/anthropic/jobs", Reply.file("greenhouse/anthropic.json"))
    config = write_config(tmp_path, server.url, board("greenhouse", "anthropic", "Anthropic") + board("lever", "gone"))
    code, out, _ = jobtone("--config", str(config), "sources", "--format", "json")
    assert code == 0 and [r["status"] for r in json.loads(out)] == [None, None]  # no database yet
    jobtone("--config", str(config), "scrape")
    code, out, _ = jobtone("--config", str(config), "sources", "--format", "json")
    rows = {r["board"]: r for r in json.loads(out)}
    assert rows["greenhouse:anthropic"]["status"] == "ok" and rows["greenhouse:anthropic"]["stored"] == 4
    assert rows["lever:gone"]["status"] == "not_found"


def test_sources_table_covers_the_study_companies(tmp_path, server):
    config = write_config(tmp_path, server.url, board("greenhouse", "anthropic"))
    code, out, _ = jobtone("--config", str(config), "sources")
    assert code == 0
    study = out.split("The 2022 study's companies")[1]
    for company in ("Amazon", "Microsoft", "Apple", "Netflix", "Google", "Zoom", "Airbnb", "Square", "Twitter / X"):
        assert company in study
    meta = next(line for line in study.splitlines() if line.startswith("Facebook / Meta"))
    assert "jobtone import" in meta
