"""When each lexicon version first counted anything in a database: recorded by the analysis, kept across
re-runs and pruning, and recovered from the kept runs for files written before it was recorded."""

from datetime import datetime

from analysis.lexicon import load_lexicon
from analysis.pipeline import analyse
from scraper import store
from scraper.posting import Posting

FIRST, LATER = datetime(2024, 6, 1), datetime(2024, 7, 1)


def versions(con):
    return con.execute("SELECT lexicon_name, lexicon_version, first_used_at FROM lexicon_versions "
                       "ORDER BY first_used_at, lexicon_name").fetchall()


def loaded(tmp_path):
    path = tmp_path / "j.duckdb"
    with store.opened(path) as con:
        store.load_postings(con, [Posting("greenhouse", "b", "1", "Job", "We are flexible.", FIRST,
                                          "first_published", company="Acme")], FIRST)
    return path


def test_first_use_is_recorded_once_per_version(tmp_path):
    default, extended = load_lexicon("default"), load_lexicon("extended")
    with store.opened(loaded(tmp_path)) as con:
        analyse(con, default, now=FIRST)
        analyse(con, default, now=LATER)  # used again: still first used on FIRST
        analyse(con, extended, now=LATER)
        assert versions(con) == [("default", default.version, FIRST), ("extended", extended.version, LATER)]


def test_a_file_from_before_the_table_gets_its_kept_runs(tmp_path):
    default = load_lexicon("default")
    with store.opened(loaded(tmp_path)) as con:
        analyse(con, default, now=FIRST)
        con.execute("DROP TABLE lexicon_versions")  # as an analysis schema 2 file has it
        con.execute("UPDATE analysis_meta SET value = '2' WHERE key = 'schema'")
    with store.opened(tmp_path / "j.duckdb") as con:
        analyse(con, default, now=LATER)
        assert versions(con) == [("default", default.version, FIRST)]
