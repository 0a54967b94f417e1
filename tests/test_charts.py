"""Charts: real PNG/SVG files from hand-built TrendRows, the smoothing math, and edge cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime

import pytest
from matplotlib.figure import Figure

from analysis.chart_parts import FOOTER_CHAR_INCHES, footer_text
from analysis.charts import (
    MAX_PANELS,
    by_group_chart,
    contiguous_runs,
    coverage_chart,
    date_ticks,
    legend_columns,
    share_chart,
    term_grid,
    write_charts,
)
from analysis.coverage import CoverageRow
from analysis.series import ChartMeta, TrendRow, smooth_rows, total_postings, wilson_interval

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TERMS = (("flexible", "supportive"), ("empathy", "supportive"), ("belonging", "supportive"),
         ("fast-paced", "hard"), ("aggressive", "hard"), ("discipline", "hard"))
META = ChartMeta("default", "3f2a91c0", date(2021, 1, 1), date(2023, 12, 31), "posted", False,
                 datetime(2024, 1, 2, 9, 30), TERMS)


def trend_row(period: str, start: date, series: str, postings: int, matches: int,
              group: str = "", low_count: bool = False) -> TrendRow:
    low, high = wilson_interval(matches, postings)
    share = matches / postings if postings else 0.0
    return TrendRow(period, start, series, postings, matches, share, low, high,
                    matches * 2.5 / max(postings, 1), low_count, group)


def months(count: int, year: int = 2021) -> list[tuple[str, date]]:
    starts = [date(year + i // 12, i % 12 + 1, 1) for i in range(count)]
    return [(f"{s.year}-{s.month:02d}", s) for s in starts]


def category_rows(count: int = 36, group: str = "") -> list[TrendRow]:
    """Two categories over `count` months; month 4 has few postings, "hard" peaks in year two."""
    rows = []
    for i, (period, start) in enumerate(months(count)):
        postings = 12 if i == 4 else 200 + 5 * i
        rows.append(trend_row(period, start, "supportive", postings, postings // 10, group, i == 4))
        hard = postings // (5 if 12 <= i < 24 else 8)
        rows.append(trend_row(period, start, "hard", postings, hard, group, i == 4))
    return rows


def term_rows(count: int = 36) -> list[TrendRow]:
    rows = []
    for i, (period, start) in enumerate(months(count)):
        for k, (term, _) in enumerate(TERMS):
            matches = 0 if term == "aggressive" else (i % 7) + k  # one term never matches
            rows.append(trend_row(period, start, term, 220, matches))
    return rows


def grouped_rows() -> list[TrendRow]:
    return category_rows(group="hn") + category_rows(group="boards")


def svg_text(path) -> str:
    text = path.read_text(encoding="utf-8")
    ET.fromstring(text)  # must be well-formed XML
    return text


# --- files ---------------------------------------------------------------------------------------


def test_write_charts_writes_png_and_svg_for_every_kind(tmp_path):
    kinds = {"share": category_rows(), "terms": term_rows(), "groups": grouped_rows()}
    paths = write_charts(kinds, META, tmp_path / "reports")
    assert [p.name for p in paths] == ["share.png", "share.svg", "terms.png", "terms.svg",
                                       "groups.png", "groups.svg"]
    for path in paths:
        assert path.parent == tmp_path / "reports" and path.stat().st_size > 1000
    for png in paths[0::2]:
        assert png.read_bytes()[:8] == PNG_MAGIC
    for svg in paths[1::2]:
        assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_png_compressed_on_the_worker_is_what_savefig_writes(tmp_path):
    """save_figure draws the pixels and leaves compressing them to a thread: the same file as savefig(png)."""
    import matplotlib

    from analysis.chart_parts import STYLE
    from analysis.charts import DPI

    png = write_charts({"terms": term_rows()}, META, tmp_path / "worker")[0]
    with matplotlib.rc_context(STYLE):
        term_grid(term_rows(), META).savefig(tmp_path / "direct.png", dpi=DPI, metadata={"Software": None})
    assert png.read_bytes() == (tmp_path / "direct.png").read_bytes()


def test_svg_holds_title_axis_units_and_footer_as_text(tmp_path):
    share_svg = write_charts({"share": category_rows()}, META, tmp_path)[1]
    text = svg_text(share_svg)
    for expected in ("Supportive vs hard language in job postings",
                     "share of postings mentioning (%)", "postings per month",
                     "lexicon: default 3f2a91c0", "dates: posted date", "boilerplate: excluded",
                     "data: 2021-01-01 to 2023-12-31", "n = 10,142"):
        assert expected in text


def test_no_rows_draw_a_chart_saying_no_data_yet(tmp_path):
    paths = write_charts({"share": [], "terms": [], "groups": []}, META, tmp_path)
    assert len(paths) == 6
    for svg in paths[1::2]:
        assert "no data yet" in svg_text(svg)
    assert paths[0].read_bytes()[:8] == PNG_MAGIC


def test_one_period_and_a_series_without_matches(tmp_path):
    one = [trend_row("2024-03", date(2024, 3, 1), "supportive", 40, 5),
           trend_row("2024-03", date(2024, 3, 1), "hard", 40, 0)]
    terms = [replace(one[1], series="empathy")]
    paths = write_charts({"share": one, "groups": one, "terms": terms}, META, tmp_path)
    assert all(p.stat().st_size > 1000 for p in paths)
    assert "no matches" in svg_text(tmp_path / "terms.svg")


def test_fifteen_years_monthly_keeps_x_ticks_few():
    rows = category_rows(count=180)
    fig = share_chart(rows, META)
    bars = fig.axes[1]
    low, high = bars.get_xlim()
    assert 5 <= len([x for x in bars.get_xticks() if low <= x <= high]) <= 9


def test_unknown_chart_kind_is_refused_before_drawing(tmp_path):
    with pytest.raises(ValueError, match="unknown chart kinds"):
        write_charts({"share": category_rows(), "pie": []}, META, tmp_path)
    assert not list(tmp_path.iterdir())


# --- safety of data text -------------------------------------------------------------------------


def test_script_in_series_term_and_group_names_stays_escaped_in_svg(tmp_path):
    evil = "<script>alert(1)</script>"
    meta = replace(META, term_categories=((evil, "hard"),))
    rows = [replace(r, series=evil if r.series == "hard" else r.series) for r in category_rows()]
    kinds = {"share": rows, "terms": [replace(r, series=evil) for r in term_rows()[:36]],
             "groups": [replace(r, group=evil) for r in rows]}
    for svg in write_charts(kinds, meta, tmp_path)[1::2]:
        text = svg_text(svg)
        assert "<script" not in text.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert not [el for el in ET.fromstring(text).iter() if el.tag.endswith("script")]


def test_dollar_signs_in_names_are_drawn_literally_not_as_mathtext(tmp_path):
    meta = replace(META, term_categories=(("$100k$ salary", "pay"),))
    rows = [replace(r, series="$100k$ salary") for r in term_rows()[:36]]
    write_charts({"terms": rows}, meta, tmp_path)
    assert "$100k$ salary" in svg_text(tmp_path / "terms.svg")


# --- figures -------------------------------------------------------------------------------------


def test_share_chart_draws_every_category_and_low_count_periods_hollow():
    rows = category_rows() + [replace(r, series="pay") for r in category_rows()[::2]]
    fig = share_chart(rows, META)
    assert isinstance(fig, Figure)
    ax, bars = fig.axes
    assert ax.get_ylabel() == "share of postings mentioning (%)"
    assert bars.get_ylabel() == "postings per month"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "supportive", "hard", "pay", "95% interval (Wilson)", "few postings (hollow, faded)"]
    hollow = [line for line in ax.get_lines() if line.get_markerfacecolor() == "white"]
    assert sorted(len(line.get_xdata()) for line in hollow) == [1, 1, 1]  # month 4 of each series


def test_term_grid_one_panel_per_term_in_lexicon_order_with_optional_shared_y():
    shared = term_grid(term_rows(), META)
    panels = [ax for ax in shared.axes if ax.axison]
    assert [ax.get_title(loc="left") for ax in panels] == [term for term, _ in TERMS]
    assert len({ax.get_ylim() for ax in panels}) == 1
    own = [ax for ax in term_grid(term_rows(), META, shared_y=False).axes if ax.axison]
    assert len({ax.get_ylim() for ax in own}) > 1


def test_term_grid_draws_the_most_matched_terms_when_there_are_too_many_to_read():
    terms = tuple((f"term{k:03}", "supportive") for k in range(200))
    rows = [trend_row(period, start, term, 220, k % 50) for period, start in months(12)
            for k, (term, _) in enumerate(terms)]
    fig = term_grid(rows, replace(META, term_categories=terms))
    panels = [ax.get_title(loc="left") for ax in fig.axes if ax.axison]
    assert len(panels) == MAX_PANELS == 36
    assert panels == sorted(panels) and {int(t[4:]) % 50 for t in panels} >= set(range(43, 50))  # lexicon order
    assert "the 36 of 200 terms with most matches" in fig.get_suptitle()


def test_by_group_chart_has_a_panel_per_group_on_shared_axes():
    fig = by_group_chart(grouped_rows(), META, smooth=3)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles == ["boards", "hn"]
    assert "3-month moving average" in fig.get_suptitle()
    shares = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert shares[0].get_ylim() == shares[1].get_ylim()


def test_chart_meta_rejects_an_unknown_date_basis():
    with pytest.raises(ValueError, match="date_basis"):
        replace(META, date_basis="published")


# --- pure helpers --------------------------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson_interval(3, 20)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3604)
    assert wilson_interval(0, 50)[0] == 0.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def tiny_series() -> list[TrendRow]:
    """matches 0, 3, 6 of postings 10, 20, 30 (shares 0, .15, .2)."""
    return [trend_row(f"2024-0{i + 1}", date(2024, i + 1, 1), "hard", 10 * (i + 1), 3 * i)
            for i in range(3)]


def test_smoothing_centred_averages_counts_then_recomputes_share_and_interval():
    smoothed = smooth_rows(tiny_series(), 3)
    # edges average what is there: (0+3)/2 of (10+20)/2; (0+3+6)/3 of 60/3; (3+6)/2 of 50/2
    assert [r.share for r in smoothed] == pytest.approx([0.1, 0.15, 0.18])
    assert [(r.matches, r.postings) for r in smoothed] == [(2, 15), (3, 20), (4, 25)]
    assert (round(smoothed[1].ci_low, 4), round(smoothed[1].ci_high, 4)) == (0.0524, 0.3604)
    assert [r.period for r in smoothed] == ["2024-01", "2024-02", "2024-03"]


def test_smoothing_trailing_uses_only_past_periods():
    smoothed = smooth_rows(tiny_series(), 2, centred=False)
    assert [r.share for r in smoothed] == pytest.approx([0.0, 0.1, 0.18])


def test_smoothing_keeps_series_and_groups_apart_and_window_one_changes_nothing():
    rows = tiny_series() + [replace(r, group="hn", matches=0, share=0.0) for r in tiny_series()]
    smoothed = smooth_rows(rows, 3)
    assert [r.share for r in smoothed if r.group == "hn"] == [0.0, 0.0, 0.0]
    assert smooth_rows(tiny_series(), 1) == tiny_series()
    with pytest.raises(ValueError):
        smooth_rows(tiny_series(), 0)


def test_total_postings_counts_each_period_once_per_group():
    rows = category_rows(3, group="hn") + category_rows(3, group="boards")
    assert total_postings(rows) == {date(2021, 1, 1): 400, date(2021, 2, 1): 410,
                                    date(2021, 3, 1): 420}
    unsplit = category_rows(3)
    assert total_postings(rows + unsplit) == total_postings(unsplit)


def test_date_ticks_yearly_for_long_spans_monthly_for_short():
    ticks, yearly = date_ticks(date(2011, 1, 1), date(2025, 12, 1), 9)
    assert yearly and ticks == [date(y, 1, 1) for y in range(2012, 2027, 2)]
    ticks, yearly = date_ticks(date(2024, 1, 1), date(2024, 8, 1), 5)
    assert not yearly and [t for t in ticks if t.year == 2024] == [
        date(2024, m, 1) for m in (1, 3, 5, 7, 9, 11)]


def test_legend_columns_fit_the_width():
    assert legend_columns(["supportive", "hard", "95% interval (Wilson)"], 10) == 3
    assert legend_columns(["x" * 60, "y" * 60, "z"], 10) == 2  # columns: (x, y) and (z)
    assert legend_columns(["x" * 60, "y" * 60, "z" * 60], 10) == 1


def test_lines_break_where_periods_are_missing():
    months = [date(2021, 4, 1), date(2021, 5, 1), date(2024, 3, 1), date(2024, 4, 1), date(2024, 6, 1)]
    rows = [TrendRow(f"{d:%Y-%m}", d, "hard", 40, 4, 0.1, 0.04, 0.23, 1.0) for d in months]
    runs = contiguous_runs(rows, 30)
    assert [[r.period for r in run] for run in runs] == [["2021-04", "2021-05"], ["2024-03", "2024-04"], ["2024-06"]]
    assert contiguous_runs([], 30) == []


# --- coverage marks, what is in the data, corrected shares ---------------------------------------


def test_coverage_marks_are_lines_with_labels_inside_the_range_only():
    meta = replace(META, marks=((date(2022, 3, 1), "+3 boards"), (date(2021, 1, 1), "hn starts"),
                                (date(2030, 1, 1), "later")))
    fig = share_chart(category_rows(), meta)
    ax, bars = fig.axes
    assert [t.get_text() for t in ax.texts] == ["+3 boards"]  # the first period and outside the range: no mark
    assert not bars.texts and len(bars.collections) == 2  # bars, and the mark's line without a label
    assert "sources or boards change (not language)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert not share_chart(category_rows(), META).axes[0].texts  # no marks, no lines, no legend entry


def test_marks_closer_than_a_label_keep_their_lines_not_their_labels():
    marks = ((date(2022, 3, 1), "+1 board"), (date(2022, 4, 1), "+2 boards"), (date(2023, 1, 1), "kaggle starts"))
    fig = share_chart(category_rows(count=180), replace(META, marks=marks))  # 15 years: a month is 0.06 inch
    assert [t.get_text() for t in fig.axes[0].texts] == ["+1 board", "kaggle starts"]


def test_every_chart_kind_draws_the_marks(tmp_path):
    meta = replace(META, marks=((date(2022, 3, 1), "+3 boards"),))
    coverage = [CoverageRow(period, start, family, n) for period, start in months(36)
                for family, n in (("hn", 40), ("boards", 100 if start >= date(2022, 3, 1) else 60))]
    kinds = {"coverage": coverage, "share": category_rows(), "terms": term_rows(), "groups": grouped_rows()}
    for svg in write_charts(kinds, meta, tmp_path)[1::2]:
        assert "+3 boards" in svg_text(svg), svg.name


def test_what_is_in_the_data_stacks_families_with_imports_by_name():
    rows = [CoverageRow("2024-01", date(2024, 1, 1), "hn", 30), CoverageRow("2024-01", date(2024, 1, 1), "kaggle", 5),
            CoverageRow("2024-02", date(2024, 2, 1), "boards", 20), CoverageRow("2024-02", date(2024, 2, 1), "hn", 10)]
    fig = coverage_chart(rows, META)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Hacker News (40)", "company boards (20)", "kaggle (imported) (5)"]
    assert ax.get_ylim()[1] == pytest.approx(35 * 1.08)  # the tallest stack: 30 + 5
    assert "n = 65" in fig.get_supxlabel()
    assert "no data yet" in [t.get_text() for t in coverage_chart([], META).texts]


def test_corrected_shares_are_dashed_beside_the_raw_ones_and_averaged_when_smoothed():
    rows = [replace(r, precision=0.8, corrected=r.share * 0.8, corrected_low=r.ci_low * 0.7,
                    corrected_high=r.ci_high * 0.9) for r in category_rows()]
    ax = share_chart(rows, META, smooth=3).axes[0]
    assert "corrected for precision (labelled)" in [t.get_text() for t in ax.get_legend().get_texts()]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2  # one per category
    smoothed = smooth_rows(rows, 3)
    assert smoothed[1].corrected == pytest.approx(sum(r.corrected for r in rows[0:5:2]) / 3)
    assert "corrected for precision" not in svg_legend(share_chart(category_rows(), META))


def svg_legend(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_the_footer_fills_as_many_lines_as_the_figure_width_needs():
    facts = ["data: 2011-01-01 to 2025-12-01", "dates: posted date", "boilerplate: excluded",
             "lexicon: default c0c3fa3e9072 since 2026-12-06; every period is counted with it",
             "postings: n = 1,000,000", "generated: 2026-12-06 12:00 UTC", "x" * 300]
    for width in (7.0, 12.0):
        lines = footer_text(facts, width).split("\n")
        assert all(len(line) * FOOTER_CHAR_INCHES <= width - 0.2 for line in lines)
        assert "".join(lines).replace(" ", "").replace("·", "") == "".join(facts).replace(" ", "")
    assert footer_text(facts[:2], 7.0) == "data: 2011-01-01 to 2025-12-01   ·   dates: posted date"
