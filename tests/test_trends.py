"""Trends on a tiny database whose numbers can be checked by hand, and the `trends` command."""

import csv
import io
import json
from datetime import date, datetime

import pytest

from analysis.lexicon import load_lexicon
from analysis.pipeline import analyse
from analysis.series import CSV_COLUMNS
from analysis.trends import TrendQuery, period_label, trend_rows, wilson_interval
from jobtone.cli import main
from scraper import store
from scraper.posting import Posting

SEEN = datetime(2024, 6, 1)


def posting(n, text, posted, source="greenhouse", company="Acme"):
    return Posting(source, "b", str(n), f"Job {n}", text, posted, "first_published", company=company)


# January: 4 postings, 1 supportive (2 mentions), 2 hard. February: 2 postings, none. March (HN): 1 hard.
POSTINGS = [
    posting(1, "We are flexible. Flexibility matters.", datetime(2024, 1, 3)),  # 5 words, 2 supportive
    posting(2, "A fast-paced team.", datetime(2024, 1, 9)),  # 3 words, 1 hard
    posting(3, "Aggressive goals and discipline here.", datetime(2024, 1, 20)),  # 5 words, 2 hard
    posting(4, "Nothing to see here at all.", datetime(2024, 1, 31)),  # 6 words
    posting(5, "Plain words only.", datetime(2024, 2, 1)),  # 3 words
    posting(6, "Still plain words only.", datetime(2024, 2, 29)),  # 4 words
    posting(7, "Fast paced startup.", datetime(2024, 3, 15), source="hn", company=""),  # 3 words, 1 hard
    posting(8, "We are flexible.", None),  # no date: not in posted-date trends
]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "j.duckdb"
    with store.opened(path) as con:
        store.load_postings(con, POSTINGS, SEEN)
    return path


def rows_for(db, **kw):
    with store.opened(db) as con:
        stats = analyse(con, load_lexicon(), now=SEEN)
        return trend_rows(con, TrendQuery(stats.analysis_key, **kw))


def test_monthly_category_rows_by_hand(db):
    rows = {(r.period, r.series): r for r in rows_for(db, min_postings=3)}
    jan_s, jan_h = rows[("2024-01", "supportive")], rows[("2024-01", "hard")]
    assert (jan_s.postings, jan_s.matches, jan_s.share) == (4, 1, 0.25)
    assert (jan_h.postings, jan_h.matches, jan_h.share) == (4, 2, 0.5)
    assert jan_s.per_10k_words == pytest.approx(10000 * 2 / 19)
    assert jan_h.per_10k_words == pytest.approx(10000 * 3 / 19)
    assert (jan_s.ci_low, jan_s.ci_high) == pytest.approx(wilson_interval(1, 4))
    assert rows[("2024-02", "hard")].matches == 0 and rows[("2024-02", "hard")].low_count  # 2 < 3
    assert not jan_h.low_count
    assert [r.start for r in rows.values()][:1] == [date(2024, 1, 1)]
    assert set(p for p, _ in rows) == {"2024-01", "2024-02", "2024-03"}


def test_terms_quarters_sources_and_filters(db):
    by_term = {(r.period, r.series): r for r in rows_for(db, by="quarter", terms=True)}
    assert by_term[("2024-Q1", "fast-paced")].matches == 2
    assert by_term[("2024-Q1", "flexible")].postings == 7
    assert len({s for _, s in by_term}) == 6  # every term, even those never found
    hn = rows_for(db, source="hn", by="year")
    assert [(r.period, r.series, r.postings, r.matches) for r in hn] == [("2024", "supportive", 1, 0), ("2024", "hard", 1, 1)]
    feb = rows_for(db, since=date(2024, 2, 1), until=date(2024, 2, 29))
    assert {r.postings for r in feb} == {2}
    assert rows_for(db, company="ACME", by="year")[0].postings == 6


def test_seen_date_counts_postings_when_first_seen(db):
    rows = rows_for(db, date_basis="seen")
    assert [(r.period, r.postings) for r in rows if r.series == "hard"] == [("2024-06", 8)]


def test_groups_split_by_source_family(db):
    rows = rows_for(db, group=True, by="year")
    assert sorted((r.group, r.series, r.postings, r.matches) for r in rows) == [
        ("boards", "hard", 6, 2), ("boards", "supportive", 6, 1), ("hn", "hard", 1, 1), ("hn", "supportive", 1, 0)]


def test_wilson_and_labels():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    assert period_label(date(2024, 4, 1), "quarter") == "2024-Q2"
    assert period_label(date(2024, 4, 1), "month") == "2024-04"


def test_trends_command_csv_and_json(db):
    out = io.StringIO()
    assert main(["--db", str(db), "-q", "trends", "--format", "csv", "--by", "year"], out=out, err=io.StringIO()) == 0
    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert parsed[1][:4] == ["2024", "supportive", "7", "1"]
    out = io.StringIO()
    assert main(["--db", str(db), "-q", "trends", "--format", "json", "--terms", "--source", "hn"], out=out) == 0
    data = json.loads(out.getvalue())
    assert {d["series"] for d in data} == {"flexible", "empathy", "belonging", "fast-paced", "aggressive", "discipline"}
    assert all(d["low_count"] for d in data)


def test_user_values_are_parameters_not_sql(db):
    out = io.StringIO()
    assert main(["--db", str(db), "-q", "trends", "--company", "x' OR 1=1 --", "--format", "csv"], out=out) == 0
    assert out.getvalue().strip() == ",".join(CSV_COLUMNS)


def test_chart_command_writes_charts_and_report(db, tmp_path):
    out, err = tmp_path / "reports", io.StringIO()
    assert main(["--db", str(db), "-q", "chart", "--out", str(out), "--by", "quarter", "--lexicon", "extended"],
                out=io.StringIO(), err=err) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["coverage.png", "coverage.svg", "groups.png", "groups.svg", "index.html", "share.png",
                     "share.svg", "terms.png", "terms.svg"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "extended" in page and "work-life balance" in page


def test_chart_series_split_by_source_family(db):
    from analysis.trends import trend_series
    with store.opened(db) as con:
        key = analyse(con, load_lexicon(), now=SEEN).analysis_key
        series = trend_series(con, TrendQuery(key, by="year"))
    assert {r.group for r in series["groups"]} == {"boards", "hn"}
    assert {r.series for r in series["terms"]} >= {"flexible", "discipline"}
    assert all(r.group == "" for r in series["share"])
