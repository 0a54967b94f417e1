"""`jobtone changes`: wording edited between two scrapes of a replayed board, matched before and after."""

import copy
import csv
import io
import json

from e2e import board, write_config
from jobtone.cli import main
from replay import Reply, fixture_bytes

GH = "/v1/boards/{}/jobs"
EDITED_ID = "8503792002"


def edited_board() -> dict:
    """gitlab.json with one job's wording changed: a fast-paced sentence added."""
    data = json.loads(fixture_bytes("greenhouse/gitlab.json"))
    edited = copy.deepcopy(data)
    job = next(j for j in edited["jobs"] if str(j["id"]) == EDITED_ID)
    job["content"] += "&lt;p&gt;You will thrive in a fast-paced team.&lt;/p&gt;"
    return edited


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    return main(list(args), out=out, err=err), out.getvalue(), err.getvalue()


def test_changes_between_two_scrapes_of_a_replayed_board(tmp_path, server):
    server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json"), Reply.json(edited_board()))
    config = str(write_config(tmp_path, server.url, board("greenhouse", "gitlab")))
    assert run_cli("--config", config, "-q", "scrape")[0] == 0
    code, out, err = run_cli("--config", config, "-q", "changes")
    assert code == 0 and "no wording changes" in err
    assert run_cli("--config", config, "-q", "scrape")[0] == 0  # the second reply: one job edited

    code, out, _ = run_cli("--config", config, "-q", "changes", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert (rows[0]["company"], rows[0]["added"], rows[0]["removed"]) == ("gitlab", "fast-paced", "")

    code, out, _ = run_cli("--config", config, "-q", "changes", "--by", "year", "--format", "json")
    summary = json.loads(out)
    assert [(r["category"], r["gained"], r["lost"]) for r in summary] == [("hard", 1, 0)]

    assert "fast-paced" in run_cli("--config", config, "-q", "changes", "--term", "fast-paced")[1]
    assert "fast-paced" not in run_cli("--config", config, "-q", "changes", "--term", "flexible")[1]
    assert run_cli("--config", config, "-q", "changes", "--term", "nosuchterm")[0] == 2
