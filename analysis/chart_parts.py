"""The parts every chart is drawn from: colours, series lines with their Wilson bands, posting bars,
date and percent axes, legends. analysis/charts.py puts them together, one function per chart kind.
"""

from __future__ import annotations

import functools
import math
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import Any, Protocol, TypeVar

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from analysis.series import ChartMeta, TrendRow, group_series, total_postings

CATEGORY_COLOURS = {"supportive": "#00897b", "hard": "#e4572e"}  # teal vs orange-red
EXTRA_COLOURS = ("#3949ab", "#8e24aa", "#6d4c41", "#b8860b", "#546e7a", "#d81b60", "#2e7d32")
GROUP_STYLES: tuple[Any, ...] = ("-", "--", ":", "-.")  # Any: the stubs want Literal styles
BAR_COLOUR = "#9e9e9e"
MARK_COLOUR = "#6d4c41"  # coverage marks: brown, apart from every series colour
MARK_STYLE: Any = (0, (3, 2))
CORRECTED_STYLE: Any = (0, (5, 2))  # the precision-corrected share: dashed, in its series' colour
MARK_LABEL_GAP_INCHES = 0.17  # a mark closer than this to the last labelled one keeps its line, not its label
UNLISTED_COLOUR = "#444444"  # a term the lexicon does not list
FOOTER_CHAR_INCHES = 0.062  # average character width at the footer's 8.5 pt
FOOTER_SEPARATOR = "   ·   "
LEGEND_CHAR_INCHES, LEGEND_ENTRY_INCHES = 0.085, 0.75  # at 10 pt; entry = handle and padding
MARKER_LIMIT = 40  # above this many periods, only low-count periods get markers
STYLE: dict[Any, Any] = {
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 10,
    "xtick.labelsize": 10, "ytick.labelsize": 10, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6,
    "svg.hashsalt": "jobtone",  # stable element ids: the same data gives the same SVG
    "svg.fonttype": "none",  # text stays (escaped) text: smaller, searchable, faster than paths
}
PERIOD_UNITS = (  # label pattern, unit name, typical length in days
    (re.compile(r"^\d{4}-\d{2}$"), "month", 30),
    (re.compile(r"^\d{4}-Q[1-4]$"), "quarter", 91),
    (re.compile(r"^\d{4}-W\d{2}$"), "week", 7),
    (re.compile(r"^\d{4}$"), "year", 365),
)

F = TypeVar("F", bound=Callable[..., Figure])


class Periodic(Protocol):
    """A row of a per-period series: a TrendRow, or a coverage row."""

    @property
    def period(self) -> str: ...

    @property
    def start(self) -> date: ...


def category_colours(names: Iterable[str]) -> dict[str, str]:
    """A stable colour per category: fixed ones for the default lexicon, a palette for the rest."""
    extra = sorted(set(names) - CATEGORY_COLOURS.keys())
    colours = {name: EXTRA_COLOURS[i % len(EXTRA_COLOURS)] for i, name in enumerate(extra)}
    return {**CATEGORY_COLOURS, **colours}


def ordered_categories(names: Iterable[str]) -> list[str]:
    """The default categories first (supportive, hard), then the others alphabetically."""
    names = set(names)
    return [n for n in CATEGORY_COLOURS if n in names] + sorted(names - CATEGORY_COLOURS.keys())


def period_unit(rows: Sequence[Periodic]) -> tuple[str, int]:
    """The period's unit name ("month"...) and its length in days, read from the period labels."""
    for pattern, unit, days in PERIOD_UNITS:
        if rows and pattern.match(rows[0].period):
            return unit, days
    return "period", 30


def date_numbers(dates: Iterable[date]) -> list[float]:
    """Dates as matplotlib date numbers: every x value is drawn in these units."""
    return [float(x) for x in date2num(list(dates))]  # type: ignore[no-untyped-call]


def plain_text(text: str) -> str:
    """Data text that matplotlib draws literally: no mathtext from `$`, no legend-hiding `_`."""
    text = text.replace("$", r"\$")
    return " " + text if text.startswith("_") else text


# --- drawing helpers ----------------------------------------------------------------------------


def styled(draw: F) -> F:
    """Draw inside jobtone's rc style without changing matplotlib's global settings."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(width: float, height: float, meta: ChartMeta, rows: Sequence[TrendRow],
               postings: int | None = None) -> Figure:
    """A figure with the facts footer; `postings` (else the rows' total) is the n it states."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    n = sum(total_postings(rows).values()) if postings is None else postings
    facts = [f"{label}: {value}" for label, value in meta.facts(n)]
    fig.supxlabel(footer_text(facts, width), x=0.01, ha="left", fontsize=8.5, color="#555555")
    return fig


def footer_text(facts: Sequence[str], width: float) -> str:
    """The facts on as many lines as a figure `width` inches wide needs, each line filled in turn (a fact
    too long for any line is wrapped at its spaces). Split in two halves, the second could still be too wide:
    a single-source chart, 7 in wide, lost the end of its footer."""
    budget = int((width - 0.2) / FOOTER_CHAR_INCHES)
    lines: list[str] = []
    for fact in facts:
        for part in textwrap.wrap(fact, budget) or [""]:
            if lines and len(lines[-1]) + len(FOOTER_SEPARATOR) + len(part) <= budget:
                lines[-1] += FOOTER_SEPARATOR + part
            else:
                lines.append(part)
    return "\n".join(lines)


def key_axes(fig: Figure, cell: Any) -> Axes:
    """An empty strip above a multi-panel grid that holds the legend (panel titles sit lower)."""
    key = fig.add_subplot(cell)
    key.axis("off")
    return key


def legend_above(ax: Axes, handles: Sequence[Any]) -> None:
    """The legend just above an axes, outside the data; constrained layout makes room for it."""
    width = ax.get_figure().get_figwidth() - 1.0  # type: ignore[union-attr]
    ncols = legend_columns([h.get_label() for h in handles], width)
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=ncols,
              frameon=False, borderaxespad=0.3, handlelength=2.4)


def legend_columns(labels: Sequence[str], width_inches: float) -> int:
    """The most legend columns that fit in the width, filled the way matplotlib fills them."""
    for ncols in range(len(labels), 1, -1):
        per_column, extra = divmod(len(labels), ncols)
        sizes = [per_column + 1] * extra + [per_column] * (ncols - extra)
        starts = [sum(sizes[:i]) for i in range(ncols)]
        widest = [max(len(label) for label in labels[a:a + n])
                  for a, n in zip(starts, sizes, strict=True)]
        if sum(LEGEND_ENTRY_INCHES + w * LEGEND_CHAR_INCHES for w in widest) <= width_inches:
            return ncols
    return 1


def contiguous_runs(series: Sequence[TrendRow], period_days: int) -> list[list[TrendRow]]:
    """The series cut where periods are missing (no postings), so no line suggests data across a gap."""
    runs: list[list[TrendRow]] = [[series[0]]] if series else []
    for previous, row in pairwise(series):
        if (row.start - previous.start).days > period_days * 1.5:
            runs.append([])
        runs[-1].append(row)
    return runs


def draw_share(ax: Axes, series: Sequence[TrendRow], colour: str, label: str = "",
                style: str = "-", width: float = 1.9) -> None:
    """One series, run by run of consecutive periods (the legend label on one run: a line if there is one)."""
    runs = contiguous_runs(series, period_unit(series)[1])
    labelled = next((i for i, run in enumerate(runs) if len(run) > 1), 0)
    for i, run in enumerate(runs):
        _draw_run(ax, run, colour, label if i == labelled else "", style, width)


def _draw_run(ax: Axes, series: Sequence[TrendRow], colour: str, label: str, style: str, width: float) -> None:
    """Consecutive periods: the Wilson band, the line, and hollow faded points where counts are low."""
    xs = date_numbers(r.start for r in series)
    ys = [r.share for r in series]
    if len(series) == 1:  # a band needs two points: show one period as a point with error bars
        err = [[ys[0] - series[0].ci_low], [series[0].ci_high - ys[0]]]
        faded = series[0].low_count  # as faded as a low-count stretch of line: never bolder than solid data
        ax.errorbar(xs, ys, yerr=err, color=colour, marker="o", mfc="white" if faded else colour, capsize=4,
                    alpha=0.45 if faded else 1.0, label=label)
        return
    ax.fill_between(xs, [r.ci_low for r in series], [r.ci_high for r in series],
                    color=colour, alpha=0.16, linewidth=0)
    marker = "o" if len(series) <= MARKER_LIMIT else None
    low = [r for r in series if r.low_count]
    if not low:
        ax.plot(xs, ys, color=colour, linewidth=width, linestyle=style, marker=marker,
                markersize=3.5, label=label)
        return
    ax.plot(xs, ys, color=colour, alpha=0.35, linewidth=width * 0.75, linestyle=style)
    steady = [math.nan if r.low_count else r.share for r in series]  # gaps leave the faded line
    ax.plot(xs, steady, color=colour, linewidth=width, linestyle=style, marker=marker,
            markersize=3.5, label=label)
    ax.plot(date_numbers(r.start for r in low), [r.share for r in low], linestyle="none",
            marker="o", markersize=5, markerfacecolor="white", markeredgecolor=colour, alpha=0.7)


def draw_share_lines(ax: Axes, rows: Sequence[TrendRow], colours: Mapping[str, str]) -> None:
    """Every (category, group) series in category order; several groups differ by line style."""
    groups = sorted({r.group for r in rows})
    order = list(colours)  # the default categories first, then the others alphabetically
    for (name, group), series in sorted(group_series(rows).items(),
                                        key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        label = plain_text(f"{name} · {group or 'all'}" if len(groups) > 1 else name)
        draw_share(ax, series, colours[name], label, GROUP_STYLES[groups.index(group) % 4])


def format_share_axis(ax: Axes, rows: Sequence[TrendRow]) -> None:
    """Percent axis from 0; low-count periods' wide intervals may be clipped, never their points."""
    steady = [r for r in rows if not r.low_count] or rows
    top = max(max(r.ci_high for r in steady), max(r.share for r in rows)) * 1.08
    ax.set_ylim(0, max(top, 0.01))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0 if top >= 0.05 else 1))


def format_date_axis(ax: Axes, rows: Sequence[Periodic], max_ticks: int = 9) -> None:
    first, last = min(r.start for r in rows), max(r.start for r in rows)
    ticks, yearly = date_ticks(first, last, max_ticks)
    ax.xaxis.set_major_locator(FixedLocator(date_numbers(ticks)))
    label_format = "%Y" if yearly else "%b\n%Y"
    ax.xaxis.set_major_formatter(DateFormatter(label_format))  # type: ignore[no-untyped-call]
    pad = timedelta(days=period_unit(rows)[1] * 0.6)
    ax.set_xlim(*date_numbers([first - pad, last + pad]))


def date_ticks(first: date, last: date, max_ticks: int) -> tuple[list[date], bool]:
    """At most `max_ticks` round x ticks: every 1/2/5/10 years, or 1/2/3/6 months for short spans.

    Fixed ticks instead of AutoDateLocator: computed once, not on every redraw of every panel.
    """
    span_years = ((last - first).days + 31) / 365.25
    if span_years >= 2.5:
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if span_years / s <= max_ticks)
        return [date(y, 1, 1) for y in range(first.year, last.year + 2) if y % step == 0], True
    step = next(s for s in (1, 2, 3, 6, 12) if span_years * 12 / s <= max_ticks)
    months = [(y, m) for y in range(first.year, last.year + 2) for m in range(1, 13)]
    return [date(y, m, 1) for y, m in months if (m - 1) % step == 0], False


def draw_postings(ax: Axes, rows: Sequence[TrendRow]) -> None:
    """Bars of postings per period, low-count periods faded; one collection, not a patch per bar."""
    totals = total_postings(rows)
    steady = {r.start for r in rows if not r.low_count}
    low = {r.start for r in rows} - steady  # a summed bar is faded only if every group was low
    unit, days = period_unit(rows)
    half = days * 0.4
    boxes = [[(x - half, 0), (x - half, n), (x + half, n), (x + half, 0)]
             for x, n in zip(date_numbers(totals), totals.values(), strict=True)]
    colours = ["#d6d6d6" if start in low else BAR_COLOUR for start in totals]
    ax.add_collection(PolyCollection(boxes, facecolors=colours, linewidths=0))
    ax.set_ylim(0, max(max(totals.values()), 1) * 1.05)
    ax.set_ylabel(f"postings per {unit}")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    ax.grid(axis="x", visible=False)


def legend_extras(rows: Sequence[TrendRow]) -> list[Any]:
    extras: list[Any] = [Patch(color="#777777", alpha=0.25, label="95% interval (Wilson)")]
    if any(r.low_count for r in rows):
        extras.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                             markeredgecolor="#777777", label="few postings (hollow, faded)"))
    return extras


def categories_title(names: Sequence[str]) -> str:
    if not names or len(names) > 3:
        return "language categories" if names else "supportive vs hard language"
    return " vs ".join(names) + " language"


def chart_title(text: str, smooth: int, unit: str) -> str:
    suffix = f" ({smooth}-{unit} moving average)" if smooth > 1 else ""
    return plain_text(text[:1].upper() + text[1:] + suffix)


def no_data_figure(meta: ChartMeta, title: str) -> Figure:
    fig = new_figure(9, 3.6, meta, [])
    fig.suptitle(chart_title(title, 1, ""), fontsize=14)
    fig.text(0.5, 0.5, "no data yet", ha="center", va="center", fontsize=20, color="#777777")
    return fig




# --- coverage marks and corrected shares --------------------------------------------------------


def draw_marks(ax: Axes, marks: Sequence[tuple[date, str]], rows: Sequence[Periodic], labelled: bool = True) -> int:
    """A thin vertical line where each period inside the rows' range begins (its sources or boards changed),
    with a short label when `labelled` and not too close to the last labelled one; returns the lines drawn."""
    if not rows:
        return 0
    first, last = min(r.start for r in rows), max(r.start for r in rows)
    shown = [(start, what) for start, what in marks if first < start <= last]
    if not shown:
        return 0
    half = timedelta(days=period_unit(rows)[1] / 2)  # between the period before and the one that changed
    xs = date_numbers(start - half for start, _ in shown)
    ax.vlines(xs, 0, 1, transform=ax.get_xaxis_transform(), colors=MARK_COLOUR, linewidths=0.9,
              linestyles=MARK_STYLE, alpha=0.8, zorder=1.5)
    if labelled:
        _label_marks(ax, xs, [what for _, what in shown], first, last)
    return len(shown)


def _label_marks(ax: Axes, xs: Sequence[float], labels: Sequence[str], first: date, last: date) -> None:
    span = max(date_numbers([last])[0] - date_numbers([first])[0], 1.0)
    inches = ax.get_figure().get_figwidth() * ax.get_position().width  # type: ignore[union-attr]
    previous = -math.inf
    for x, what in zip(xs, labels, strict=True):
        if (x - previous) / span * inches < MARK_LABEL_GAP_INCHES:
            continue
        text = what if len(what) <= 34 else what[:33] + "…"
        ax.text(x, 0.98, plain_text(text), transform=ax.get_xaxis_transform(), rotation=90, ha="right",
                va="top", fontsize=7.5, color=MARK_COLOUR,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.6})
        previous = x


def mark_handle() -> Line2D:
    return Line2D([], [], color=MARK_COLOUR, linestyle=MARK_STYLE, linewidth=0.9,
                  label="sources or boards change (not language)")


def draw_corrected(ax: Axes, series: Sequence[TrendRow], colour: str, width: float = 1.5) -> bool:
    """The share corrected for precision, dashed in the series' colour, with its band; False when no
    period of the series has one (no labels for its terms)."""
    if all(r.corrected is None for r in series):
        return False
    xs = date_numbers(r.start for r in series)

    def values(name: str) -> list[float]:
        return [math.nan if getattr(r, name) is None else getattr(r, name) for r in series]

    ax.fill_between(xs, values("corrected_low"), values("corrected_high"), color=colour, alpha=0.09,
                    linewidth=0, hatch="////", edgecolor=colour)
    ax.plot(xs, values("corrected"), color=colour, linewidth=width, linestyle=CORRECTED_STYLE)
    return True


def corrected_handle() -> Line2D:
    return Line2D([], [], color="#555555", linestyle=CORRECTED_STYLE, linewidth=1.5,
                  label="corrected for precision (labelled)")
