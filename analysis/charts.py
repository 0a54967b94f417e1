"""Trend charts: draw TrendRow series as PNG and SVG with matplotlib's explicit Figure/Axes API, one
function per chart kind (coverage, share, terms, groups), from the parts in analysis/chart_parts.py.

Nothing here computes trends; it only smooths and draws rows that analysis/trends.py (and, for what is in
the data, analysis/coverage.py) produced. Every trend chart marks the periods where the sources or boards
behind it change (ChartMeta.marks), so a step is not read as a change in language.
No pyplot: figures get an Agg canvas explicitly, so no global figure registry holds them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.image import imsave
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from analysis.chart_parts import (
    GROUP_STYLES,
    STYLE,
    UNLISTED_COLOUR,
    categories_title,
    category_colours,
    chart_title,
    contiguous_runs,
    corrected_handle,
    date_numbers,
    date_ticks,
    draw_corrected,
    draw_marks,
    draw_postings,
    draw_share,
    draw_share_lines,
    format_date_axis,
    format_share_axis,
    key_axes,
    legend_above,
    legend_columns,
    legend_extras,
    mark_handle,
    new_figure,
    no_data_figure,
    ordered_categories,
    period_unit,
    plain_text,
    styled,
)
from analysis.series import ChartMeta, TrendRow, group_series, smooth_rows

if TYPE_CHECKING:
    from analysis.coverage import CoverageRow

DPI = 150
__all__ = ["CHART_KINDS", "by_group_chart", "contiguous_runs", "coverage_chart", "date_ticks", "legend_columns",
           "save_figure", "share_chart", "term_grid", "write_charts", "MAX_PANELS"]
# What is in the data: Hacker News in its orange, boards in blue, each imported source in its own colour.
FAMILY_COLOURS = {"hn": "#f28e2b", "boards": "#4e79a7"}
IMPORT_COLOURS = ("#59a14f", "#b07aa1", "#9c755f", "#76b7b2", "#edc948", "#e15759", "#bab0ac")


# --- chart kinds --------------------------------------------------------------------------------


@styled
def share_chart(rows: Sequence[TrendRow], meta: ChartMeta, smooth: int = 1) -> Figure:
    """Share of postings mentioning each category over time, with postings per period below."""
    names = ordered_categories(r.series for r in rows)
    title = categories_title(names) + " in job postings"
    if not rows:
        return no_data_figure(meta, title)
    fig = new_figure(11, 6.4, meta, rows)
    ax, bars = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3.2, 1]})
    drawn = smooth_rows(rows, smooth)
    colours = category_colours(names)
    draw_share_lines(ax, drawn, colours)
    corrected = [draw_corrected(ax, series, colours[name]) for (name, _), series in group_series(drawn).items()]
    format_share_axis(ax, drawn)
    ax.set_ylabel("share of postings mentioning (%)")
    ax.tick_params(labelbottom=False)
    draw_postings(bars, rows)
    format_date_axis(bars, rows)
    marked = draw_marks(ax, meta.marks, rows)
    draw_marks(bars, meta.marks, rows, labelled=False)
    legend_above(ax, [*ax.get_legend_handles_labels()[0], *legend_extras(rows),
                      *_extra_handles(any(corrected), marked)])
    fig.suptitle(chart_title(title, smooth, period_unit(rows)[0]), fontsize=14)
    return fig


MAX_PANELS = 36  # the terms chart draws at most this many terms


@styled
def term_grid(rows: Sequence[TrendRow], meta: ChartMeta, smooth: int = 1,
              shared_y: bool = True) -> Figure:
    """Small multiples: one share-over-time panel per term, coloured by the term's category."""
    title = "share of postings mentioning each term"
    if not rows:
        return no_data_figure(meta, title)
    terms = _ordered_terms(rows, meta)
    if len(terms) > MAX_PANELS:  # beyond this a panel is too small to read (and 200 took half a minute to draw)
        title += f" (the {MAX_PANELS} of {len(terms)} terms with most matches; all are in the trend table)"
        terms = _most_matched(rows, terms, MAX_PANELS)
    ncols = min(len(terms), 4 if len(terms) > 6 else 3)
    nrows = math.ceil(len(terms) / ncols)
    fig = new_figure(3.3 * ncols + 0.9, 2.3 * nrows + 1.4, meta, rows)
    cells = fig.add_gridspec(nrows + 1, ncols, height_ratios=[0.01] + [1] * nrows)
    groups = sorted({r.group for r in rows})
    drawn = smooth_rows(rows, smooth)
    smoothed = group_series(drawn)
    colours = category_colours(meta.category_of(t) for t in terms if meta.category_of(t))
    marked = 0
    # Panels get the same limits set one by one, not matplotlib's shared axes: every change to a shared
    # axis visits all its siblings, which made 200 panels take 44 s to draw instead of a few.
    for i, term in enumerate(terms):
        ax = fig.add_subplot(cells[1 + i // ncols, i % ncols])
        colour = colours.get(meta.category_of(term), UNLISTED_COLOUR)
        series = [smoothed.get((term, g), []) for g in groups]
        _draw_term_panel(ax, series, term, colour, drawn if shared_y else [r for s in series for r in s])
        format_date_axis(ax, rows, max_ticks=5)
        marked = draw_marks(ax, meta.marks, rows, labelled=i == 0) or marked  # labels once, in the first panel
        ax.tick_params(labelbottom=i + ncols >= len(terms))  # under each column's last panel
    fig.supylabel("share of postings mentioning (%)")
    fig.suptitle(chart_title(title, smooth, period_unit(rows)[0]), fontsize=14)
    corrected = any(r.corrected is not None for r in rows)
    legend_above(key_axes(fig, cells[0, :]),
                 [*_term_legend(rows, meta, terms, groups), *_extra_handles(corrected, marked)])
    return fig


def _extra_handles(corrected: bool, marked: int) -> list[Any]:
    return [*([corrected_handle()] if corrected else []), *([mark_handle()] if marked else [])]


def _most_matched(rows: Sequence[TrendRow], terms: Sequence[str], n: int) -> list[str]:
    """The `n` terms with most matches over all periods, in `terms`' order."""
    matches = {t: 0 for t in terms}
    for r in rows:
        matches[r.series] = matches.get(r.series, 0) + r.matches
    top = set(sorted(terms, key=lambda t: -matches[t])[:n])
    return [t for t in terms if t in top]


def _ordered_terms(rows: Sequence[TrendRow], meta: ChartMeta) -> list[str]:
    present = {r.series for r in rows}
    listed = [term for term, _ in meta.term_categories if term in present]
    return listed + sorted(present - set(listed))


def _draw_term_panel(ax: Axes, series_by_group: Sequence[Sequence[TrendRow]], term: str, colour: str,
                     y_rows: Sequence[TrendRow]) -> None:
    """One term's lines; its y axis fits `y_rows` (all panels' rows, for a shared scale)."""
    for i, series in enumerate(series_by_group):
        if series:
            draw_share(ax, series, colour, style=GROUP_STYLES[i % 4], width=1.3)
            draw_corrected(ax, series, colour, width=1.1)
    if not any(r.matches for series in series_by_group for r in series):
        ax.text(0.5, 0.5, "no matches", transform=ax.transAxes, ha="center", color="#777777")
    ax.set_title(plain_text(term), loc="left", color=colour, fontsize=11, fontweight="bold", y=1.0)
    format_share_axis(ax, y_rows)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))


def _term_legend(rows: Sequence[TrendRow], meta: ChartMeta, terms: Sequence[str],
                 groups: Sequence[str]) -> list[Any]:
    names = ordered_categories({meta.category_of(t) for t in terms} - {""})
    colours = category_colours(names)
    handles: list[Any] = [Line2D([], [], color=colours[n], linewidth=2.5, label=plain_text(n))
                          for n in names]
    if not all(meta.category_of(t) for t in terms):
        handles.append(Line2D([], [], color=UNLISTED_COLOUR, linewidth=2.5, label="not in lexicon"))
    if len(groups) > 1:
        handles += [Line2D([], [], color="#555555", linestyle=GROUP_STYLES[i % 4],
                           label=plain_text(g or "all")) for i, g in enumerate(groups)]
    return handles + legend_extras(rows)


@styled
def by_group_chart(rows: Sequence[TrendRow], meta: ChartMeta, smooth: int = 1) -> Figure:
    """The share chart split by group (e.g. HN vs company boards): side-by-side panels."""
    names = ordered_categories(r.series for r in rows)
    title = categories_title(names) + " by source"
    if not rows:
        return no_data_figure(meta, title)
    groups = sorted({r.group for r in rows})
    fig = new_figure(max(7.0, 5.2 * len(groups) + 0.8), 6.6, meta, rows)
    cells = fig.add_gridspec(3, len(groups), height_ratios=[0.01, 3.2, 1])
    colours = category_colours(names)
    drawn = smooth_rows(rows, smooth)
    top = bottom = None
    marked = 0
    for column, group in enumerate(groups):
        ax = fig.add_subplot(cells[1, column], sharex=bottom, sharey=top)
        bars = fig.add_subplot(cells[2, column], sharex=ax, sharey=bottom)
        draw_share_lines(ax, [r for r in drawn if r.group == group], colours)
        ax.set_title(plain_text(group or "all postings"), loc="left", fontweight="bold", y=1.0)
        ax.tick_params(labelbottom=False)
        draw_postings(bars, [r for r in rows if r.group == group])
        marks = _group_marks(meta, group)
        marked = draw_marks(ax, marks, rows) or marked
        draw_marks(bars, marks, rows, labelled=False)
        bars.set_ylabel("")  # only the first column keeps axis labels, set below
        top, bottom = top or ax, bottom or bars
    assert top is not None and bottom is not None
    bottom.set_ylim(0, max(r.postings for r in rows) * 1.05)  # shared by all groups' bars
    format_share_axis(top, drawn)
    format_date_axis(bottom, rows)
    top.set_ylabel("share of postings mentioning (%)")
    bottom.set_ylabel(f"postings per {period_unit(rows)[0]}")
    fig.suptitle(chart_title(title, smooth, period_unit(rows)[0]), fontsize=14)
    legend_above(key_axes(fig, cells[0, :]),
                 [*top.get_legend_handles_labels()[0], *legend_extras(rows), *_extra_handles(False, marked)])
    return fig


def _group_marks(meta: ChartMeta, group: str) -> list[tuple[date, str]]:
    """The marks of one source family's panel (all marks when they are not known by family)."""
    if not meta.family_marks:
        return list(meta.marks)
    return [(start, what) for family, start, what in meta.family_marks if family == group]


@styled
def coverage_chart(rows: Sequence[CoverageRow], meta: ChartMeta, smooth: int = 1) -> Figure:
    """What is in the data: postings per period by source family, stacked (never smoothed: they are counts)."""
    title = "what is in the data: postings by source"
    if not rows:
        return no_data_figure(meta, title)
    unit, days = period_unit(rows)
    fig = new_figure(11, 4.8, meta, [], postings=sum(r.postings for r in rows))
    ax = fig.subplots()
    handles = _stacked_bars(ax, rows, days * 0.4)
    ax.set_ylabel(f"postings per {unit}")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.grid(axis="x", visible=False)
    format_date_axis(ax, rows)
    marked = draw_marks(ax, meta.marks, rows)
    legend_above(ax, [*handles, *_extra_handles(False, marked)])
    fig.suptitle(chart_title(f"What is in the data: postings per {unit} by source", 1, unit), fontsize=14)
    return fig


def _stacked_bars(ax: Axes, rows: Sequence[CoverageRow], half: float) -> list[Any]:
    """One bar per period, a stacked piece per family (hn, boards, then imports by name); legend handles."""
    families = [f for f in FAMILY_COLOURS if any(r.family == f for r in rows)]
    families += sorted({r.family for r in rows} - set(FAMILY_COLOURS))
    colours = {**FAMILY_COLOURS, **{f: IMPORT_COLOURS[i % len(IMPORT_COLOURS)]
                                    for i, f in enumerate(x for x in families if x not in FAMILY_COLOURS)}}
    counts = {(r.start, r.family): r.postings for r in rows}
    starts = sorted({r.start for r in rows})
    below = dict.fromkeys(starts, 0)
    handles: list[Any] = []
    for family in families:
        boxes = []
        for start, x in zip(starts, date_numbers(starts), strict=True):
            n = counts.get((start, family), 0)
            if n:
                low, high = below[start], below[start] + n
                boxes.append([(x - half, low), (x - half, high), (x + half, high), (x + half, low)])
                below[start] = high
        ax.add_collection(PolyCollection(boxes, facecolors=colours[family], linewidths=0))
        total = sum(n for (_, f), n in counts.items() if f == family)
        handles.append(Patch(color=colours[family], label=plain_text(f"{_family_name(family)} ({total:,})")))
    ax.set_ylim(0, max(below.values()) * 1.08)
    return handles


def _family_name(family: str) -> str:
    return {"hn": "Hacker News", "boards": "company boards"}.get(family, f"{family} (imported)")


# --- writing files ------------------------------------------------------------------------------

CHART_KINDS: dict[str, Callable[..., Figure]] = {
    "coverage": coverage_chart,
    "share": share_chart,
    "terms": term_grid,
    "groups": by_group_chart,
}


def write_charts(rows_by_kind: Mapping[str, Sequence[Any]], meta: ChartMeta, out_dir: Path,
                 smooth: int = 1) -> list[Path]:
    """Draw each kind, in the mapping's order, and write it as `<kind>.png` and `<kind>.svg`: "coverage"
    (CoverageRow), "share", "terms", "groups" (TrendRow)."""
    unknown = set(rows_by_kind) - CHART_KINDS.keys()
    if unknown:
        raise ValueError(f"unknown chart kinds {sorted(unknown)}; known: {sorted(CHART_KINDS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=1) as encoder:
        saved = [save_figure(CHART_KINDS[kind](rows, meta, smooth=smooth), out_dir / kind, encoder)
                 for kind, rows in rows_by_kind.items()]
        return [path for paths in saved for path in paths.result()]  # raises what writing a PNG raised


def save_figure(fig: Figure, stem: Path, encoder: Executor) -> Future[list[Path]]:
    """Write `stem`.svg, and `stem`.png (150 dpi) on `encoder`: compressing a PNG releases the GIL, so the
    four charts' PNGs (0.3 of 1.4 s) are compressed while the SVGs and the next figures are drawn. Done, it
    gives [png, svg]. (No fig.clear() after: the figure is in no registry, so it is freed with its last
    reference; clearing 200 panels one by one took 8 s of a 46 s chart.)"""
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    with matplotlib.rc_context(STYLE):
        fig.savefig(io.BytesIO(), format="rgba", dpi=DPI)  # drawn (and laid out) as the PNG's pixels
        pixels = np.array(canvas.buffer_rgba()).data  # a copy: drawing the SVG must not touch it
        fig.set_layout_engine("none")  # keep the layout just computed: the SVG needs no second pass
        fig.savefig(svg, metadata={"Date": None})  # no timestamp: same data, same file
    return encoder.submit(_write_png, png, pixels, svg)


def _write_png(png: Path, pixels: memoryview, svg: Path) -> list[Path]:
    """What savefig(png) does once the figure is drawn."""
    imsave(png, pixels, format="png", dpi=DPI, metadata={"Software": None})  # type: ignore[dict-item]
    return [png, svg]
