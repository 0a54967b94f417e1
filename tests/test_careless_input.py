"""Every error a careless user can cause is exit 2 with one clear line, never an internal error (exit 70) and
never a quiet wrong answer: bad numbers on the command line, impossible date ranges, and configuration files
with wrong types, impossible values or another encoding (the message names the file and the key)."""

from __future__ import annotations

import csv

import pytest

from e2e import jobtone

ROWS = [
    {"id": f"p{i}", "date": f"2024-0{1 + i % 6}-05", "company": "Acme", "title": "Engineer",
     "text": "We are flexible and supportive. A fast-paced team that values hustle."}
    for i in range(12)
]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A store with a few imported postings (so today's code gets far enough to misbehave)."""
    tmp = tmp_path_factory.mktemp("careless")
    source = tmp / "postings.csv"
    with open(source, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    db = tmp / "jobtone.duckdb"
    code, _, err = jobtone("--db", str(db), "import", str(source))
    assert code == 0, err
    return db


@pytest.fixture
def db(template, tmp_path):
    copy = tmp_path / "jobtone.duckdb"
    copy.write_bytes(template.read_bytes())
    return copy


# (arguments, the one line that explains it) — then where the command's help is, on the same line
USAGE_ERRORS = [
    (["sql", ""], "jobtone sql: error: argument query: must not be empty"),
    (["kwic", "flexible", "--limit", "-1"], "jobtone kwic: error: argument --limit: expected a whole number of 1 or more, got '-1'"),
    (["runs", "--limit", "-1"], "jobtone runs: error: argument --limit: expected a whole number of 1 or more, got '-1'"),
    (["kwic", "flexible", "--limit", "99999999999999999999"],
     "jobtone kwic: error: argument --limit: expected a whole number below 2^63, got '99999999999999999999'"),
    (["runs", "--limit", "0"], "jobtone runs: error: argument --limit: expected a whole number of 1 or more, got '0'"),
    (["chart", "--smooth", "0"], "jobtone chart: error: argument --smooth: expected a whole number of 1 or more, got '0'"),
    (["compact", "--prune-runs", "nan"], "jobtone compact: error: argument --prune-runs: expected a finite number, got 'nan'"),
    (["compact", "--prune-runs", "1e12"], "jobtone compact: error: argument --prune-runs: expected at most 36500 days, got '1e12'"),
    (["compact", "--wait", "-1"], "jobtone compact: error: argument --wait: expected a number of 0 or more, got '-1'"),
    (["export", "--wait", "inf"], "jobtone export: error: argument --wait: expected a finite number, got 'inf'"),
]


@pytest.mark.parametrize("args, line", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_bad_command_line_values_are_usage_errors(db, tmp_path, args, line, capsys):
    before = db.read_bytes()
    code, out, err = jobtone("--db", str(db), *args)
    assert code == 2, err
    command = line.split(":")[0]
    assert out == "" and err.splitlines() == [f"{line} (see `{command} --help`)"]  # one line, no usage synopsis
    assert capsys.readouterr().err == ""
    assert db.read_bytes() == before and not (tmp_path / "reports").exists()


PARSER_ERRORS = [
    ([], "jobtone: error: the following arguments are required: COMMAND (see `jobtone --help`)"),
    (["nosuch"], "jobtone: error: argument COMMAND: invalid choice: 'nosuch'"),
    (["runs", "--bogus"], "jobtone: error: unrecognized arguments: --bogus (see `jobtone --help`)"),
    (["runs", "--format", "xml"], "jobtone runs: error: argument --format: invalid choice: 'xml'"),
    (["kwic"], "jobtone kwic: error: the following arguments are required: TERM (see `jobtone kwic --help`)"),
]


@pytest.mark.parametrize("args, start", PARSER_ERRORS, ids=[" ".join(a) or "(none)" for a, _ in PARSER_ERRORS])
def test_argparse_errors_are_one_line_naming_the_help(args, start, capsys):
    code, out, err = jobtone(*args)
    assert code == 2 and out == ""
    [line] = err.splitlines()
    assert line.startswith(start) and line.endswith("--help`)")
    assert capsys.readouterr().err == ""  # nothing of argparse's own usage lines on the real stderr


def test_help_is_still_argparse_s_whole_help(capsys):
    assert jobtone("runs", "--help")[0] == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: jobtone runs [-h] [--limit LIMIT]") and "--format" in help_text


def test_trends_since_after_until_is_a_usage_error(db):
    code, out, err = jobtone("--db", str(db), "trends", "--since", "2024-05-01", "--until", "2024-02-01")
    assert (code, out) == (2, "")
    assert err.splitlines() == ["jobtone: --since 2024-05-01 is after --until 2024-02-01: no period fits"]
    code, out, err = jobtone("--db", str(db), "trends", "--since", "2024-02-01", "--until", "2024-02-01")
    assert code == 0, err  # one day is a range


BAD_CONFIGS = [
    ("[database]\npath = 5\n", "[database] path must be a file path in quotes"),
    ('[database]\npath = ""\n', "[database] path must be a file path in quotes"),
    ("[database]\nlock_wait = -1\n", "[database] lock_wait must be 0 or more, got -1"),
    ('[database]\nlock_wait = "soon"\n', "[database] lock_wait must be a number, got 'soon'"),
    ("[http]\ntimeout = 0\n", "[http] timeout must be more than 0, got 0"),
    ("[http]\ntimeout = -5\n", "[http] timeout must be more than 0, got -5"),
    ("[http]\nconnect_timeout = 0\n", "[http] connect_timeout must be more than 0, got 0"),
    ("[http]\nmax_seconds = 0\n", "[http] max_seconds must be more than 0, got 0"),
    ("[http]\nmax_mb = -1\n", "[http] max_mb must be more than 0, got -1"),
    ("[http]\nmax_mb = nan\n", "[http] max_mb must be a number, got nan"),
    ("[http]\nretries = -1\n", "[http] retries must be 0 or more, got -1"),
    ("[http]\nretries = 1.5\n", "[http] retries must be a whole number, got 1.5"),
    ("[http]\nbackoff = -1\n", "[http] backoff must be 0 or more, got -1"),
    ("[http]\nmax_retry_after = -1\n", "[http] max_retry_after must be 0 or more, got -1"),
    ("[http]\nconcurrency = 0\n", "[http] concurrency must be 1 or more, got 0"),
    ("[http]\ninterval = -0.5\n", "[http] interval must be 0 or more, got -0.5"),
    ("[http]\ntimeout = true\n", "[http] timeout must be a number, got True"),
    ('[http.hosts."example.com"]\nconcurrency = 0\n', '[http.hosts."example.com"] concurrency must be 1 or more, got 0'),
    ('[http.hosts]\n"example.com" = 3\n', '[http.hosts."example.com"] must be a table'),
    ("board = 5\n", "`board` must be written as [[board]] tables, got 5"),
]


@pytest.mark.parametrize("text, message", BAD_CONFIGS, ids=[t.strip().replace("\n", " ") for t, _ in BAD_CONFIGS])
def test_bad_config_values_name_the_file_and_key(tmp_path, text, message):
    config = tmp_path / "jobtone.toml"
    config.write_text(text, encoding="utf-8")
    code, out, err = jobtone("--config", str(config), "runs")
    assert (code, out) == (2, ""), err
    [line] = err.splitlines()
    assert line.startswith(f"jobtone: {config}: ") and message in line, line


def test_good_numbers_of_either_toml_type_are_accepted(tmp_path, db):
    config = tmp_path / "jobtone.toml"
    config.write_text(f'[database]\npath = "{db}"\nlock_wait = 5\n[http]\ntimeout = 2\nconcurrency = 2.0\n'
                      'interval = 0\nmax_mb = 0.5\nretries = 0\n', encoding="utf-8")
    code, _, err = jobtone("--config", str(config), "runs")
    assert code == 0, err


def test_a_config_file_in_another_encoding_is_one_clear_line(tmp_path):
    config = tmp_path / "jobtone.toml"
    config.write_bytes('# Konfiguration für jobtone\n[database]\npath = "data/jobtone.duckdb"\n'.encode("latin-1"))
    code, out, err = jobtone("--config", str(config), "runs")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"jobtone: config file {config} is not UTF-8 text (line 1): save it as UTF-8"]


def test_the_default_config_in_the_working_directory_is_checked_too(tmp_path):
    (tmp_path / "jobtone.toml").write_text("[http]\ntimeout = 0\n", encoding="utf-8")
    code, _, err = jobtone("runs")  # the tests run in tmp_path
    assert code == 2 and err.splitlines() == ["jobtone: jobtone.toml: [http] timeout must be more than 0, got 0"]
