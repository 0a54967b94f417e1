"""Trends that compare like with like: a fixed company mix (--panel, --adjust), reposts (--dedupe) and the
companies and sources behind each period, on a generated corpus where every company's wording is constant."""

import csv
import io
import shutil
from datetime import datetime

import pytest

from analysis.coverage import coverage_marks, coverage_rows
from analysis.lexicon import load_lexicon
from analysis.pipeline import analyse
from analysis.series import CSV_COLUMNS
from analysis.trends import TrendQuery, trend_rows
from jobtone.cli import main
from scraper import store
from scraper.posting import Posting

SEEN = datetime(2024, 6, 1)
# Postings per year: A writes "flexible" in 80% of its ads, B in 10%, every year. The mix moves from A to B.
MIX = {"A": (90, 60, 30, 10), "B": (10, 40, 70, 90)}
RATE = {"A": 0.8, "B": 0.1}
YEARS = (2020, 2021, 2022, 2023)


def corpus() -> list[Posting]:
    postings = []
    for company, counts in MIX.items():
        for year, n in zip(YEARS, counts, strict=True):
            flexible = round(n * RATE[company])
            for i in range(n):
                text = f"Ad {i} of {company} in {year}. " + ("We offer flexible hours." if i < flexible else "Office job.")
                postings.append(Posting("greenhouse", company.lower(), f"{year}-{i}", "Engineer", text,
                                        datetime(year, 1 + i % 12, 1), "first_published", company=company))
    # C enters late: only in 2023, always flexible. --panel must leave it out.
    postings += [Posting("lever", "c", f"c{i}", "Engineer", f"C ad {i}. Flexible hours.", datetime(2023, 5, 1),
                         "first_published", company="C") for i in range(20)]
    return postings


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("mix") / "j.duckdb"
    with store.opened(path) as con:
        store.load_postings(con, corpus(), SEEN)
        analyse(con, load_lexicon(), now=SEEN)
    return path


def supportive(db, **kw) -> dict[str, object]:
    with store.opened(db) as con:
        key = analyse(con, load_lexicon(), now=SEEN).analysis_key
        rows = trend_rows(con, TrendQuery(key, by="year", **kw))
    return {r.period: r for r in rows if r.series == "supportive"}


def test_the_raw_share_moves_with_the_mix(db):
    rows = supportive(db)
    assert rows["2020"].share > 0.7 and rows["2023"].share < 0.35  # nobody changed a word


def test_panel_with_company_adjustment_stays_flat_within_its_interval(db):
    rows = supportive(db, panel=True, adjust="company")
    pooled = (190 * 0.8 + 210 * 0.1) / 400  # the pooled mix of A and B over the range
    for period in ("2020", "2021", "2022", "2023"):
        row = rows[period]
        assert row.share == pytest.approx(pooled)
        assert row.ci_low <= pooled <= row.ci_high
        assert row.mix_coverage == pytest.approx(1.0) and not row.mix_incomplete
        assert row.companies == 2  # C left out
    assert rows["2020"].raw_share == pytest.approx(73 / 100)


def test_panel_leaves_out_a_late_entering_company(db):
    everyone, panel = supportive(db), supportive(db, panel=True)
    assert everyone["2023"].postings == 120 and everyone["2023"].companies == 3
    assert panel["2023"].postings == 100 and panel["2023"].companies == 2


def test_adjusting_without_panel_flags_the_periods_missing_part_of_the_mix(db):
    rows = supportive(db, adjust="company")
    assert rows["2020"].mix_incomplete and rows["2020"].mix_coverage < 1  # C's weight has no 2020 postings
    assert not rows["2023"].mix_incomplete


def test_the_adjusted_interval_is_wider_than_the_raw_one_when_weights_are_uneven(db):
    raw, adjusted = supportive(db, panel=True), supportive(db, panel=True, adjust="company")
    width = lambda r: r.ci_high - r.ci_low  # noqa: E731
    assert width(adjusted["2023"]) > width(raw["2023"])  # A's 10 postings carry 47.5% of the weight


def test_source_adjustment(db):
    rows = supportive(db, adjust="source")
    assert rows["2023"].sources == 2 and rows["2020"].sources == 1
    assert rows["2020"].mix_incomplete  # lever's weight is absent in 2020


def test_dedupe_counts_a_repost_once_per_period_or_once_overall(tmp_path):
    text = "Senior engineer. We offer flexible hours."
    reposts = [Posting("hn", "whoishiring", str(i), "", text if i % 2 else text.upper().replace(".", ".  "),
                       datetime(2024, 1 + i // 3, 1 + i), "created_at", company="Acme") for i in range(6)]
    path = tmp_path / "j.duckdb"
    with store.opened(path) as con:
        store.load_postings(con, reposts, SEEN)
    counts = {}
    for mode in ("none", "period", "all"):
        rows = supportive(path, dedupe=mode)
        counts[mode] = rows["2024"].postings
    assert counts == {"none": 6, "period": 1, "all": 1}
    with store.opened(path) as con:
        key = analyse(con, load_lexicon(), now=SEEN).analysis_key
        monthly = trend_rows(con, TrendQuery(key, by="month", dedupe="period"))
        overall = trend_rows(con, TrendQuery(key, by="month", dedupe="all"))
    assert sorted({r.period: r.postings for r in monthly}.items()) == [("2024-01", 1), ("2024-02", 1)]
    assert sorted({r.period: r.postings for r in overall}.items()) == [("2024-01", 1)]


def test_trends_command_panel_adjust_csv_keeps_its_columns_first(db):
    out = io.StringIO()
    assert main(["--db", str(db), "-q", "trends", "--by", "year", "--panel", "--adjust", "company",
                 "--format", "csv"], out=out) == 0
    header, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(header[:8]) == CSV_COLUMNS and header[8:] == ["raw_share", "mix_coverage"]
    assert {row[0] for row in rows} == {"2020", "2021", "2022", "2023"}


def test_trends_table_shows_companies_and_sources(db):
    out = io.StringIO()
    assert main(["--db", str(db), "-q", "trends", "--by", "year", "--dedupe", "period"], out=out) == 0
    assert "companies" in out.getvalue() and "sources" in out.getvalue()


def test_since_after_until_is_a_usage_error(db):
    err = io.StringIO()
    assert main(["--db", str(db), "-q", "trends", "--since", "2024-01-01", "--until", "2023-01-01"],
                out=io.StringIO(), err=err) == 2
    assert "after --until" in err.getvalue()


def test_coverage_by_source_family_and_marks(db, tmp_path):

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(db, copy)  # the module's database stays as it was
    with store.opened(copy) as con:
        store.load_postings(con, [Posting("hnsample", "file", "x1", "", "Imported ad.", datetime(2022, 3, 1),
                                          "date")], SEEN)
        rows = coverage_rows(con, TrendQuery("", by="year"))
        marks = coverage_marks(con, TrendQuery("", by="year"))
    assert {(r.period, r.family): r.postings for r in rows} == {
        ("2020", "boards"): 100, ("2021", "boards"): 100, ("2022", "boards"): 100, ("2022", "hnsample"): 1,
        ("2023", "boards"): 120}
    assert [(m.period, m.what) for m in marks] == [("2022", "hnsample starts; hnsample ends"), ("2023", "+1 board")]
