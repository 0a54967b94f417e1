"""The static HTML report (reports/index.html): what is in the data, the charts, what is counted, wording
changes, the lexicon used and the trend table (the sections beyond charts and table: analysis/report_sections.py).

One self-contained page: inline CSS, no JavaScript, nothing fetched from the network. Every piece of
text that came from data (term, series, group, company names) goes through html.escape.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from analysis.report_sections import ReportData, changes_html, counted_html, coverage_html
from analysis.series import ChartMeta, TrendRow, total_postings

REPORT_NAME = "index.html"
TABLE_OPEN_ROWS = 300
TERM_FIELDS = ("name", "category", "forms", "exclude", "near", "window")
COVERAGE_CHART = "coverage"  # shown first, under "What is in the data"
CHART_CAPTIONS = {
    "coverage": "What is in the data: postings per period by source (Hacker News, company boards, each import "
                "by its name)",
    "share": "Share of postings mentioning each category, with postings per period below",
    "terms": "Share of postings mentioning each term",
    "groups": "The category shares split by source",
}
CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1180px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; font-size: 1.25rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dl.facts dt { color: #666; } dl.facts dd { margin: 0; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
table { border-collapse: collapse; font-size: .88rem; margin: .5rem 0; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #e6e6e6; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.low td { color: #999; } summary { cursor: pointer; color: #555; } .muted { color: #777; }
td.kwic { font-family: ui-monospace, monospace; font-size: .82rem; } mark { background: #fff2a8; }
"""


@dataclass(frozen=True)
class LexiconTerm:
    """One lexicon entry as the report shows it."""

    name: str
    category: str
    forms: tuple[str, ...]
    exclude: tuple[str, ...]
    near: tuple[str, ...]
    window: int | None


def lexicon_term(entry: Any) -> LexiconTerm:
    """A (name, category, forms, exclude, near, window) tuple, a dict, or an object with them."""
    if isinstance(entry, Mapping):
        values = [entry.get(field) for field in TERM_FIELDS]
    elif isinstance(entry, Sequence) and not isinstance(entry, str):
        values = [*entry, *[None] * len(TERM_FIELDS)][: len(TERM_FIELDS)]
    else:
        values = [getattr(entry, field, None) for field in TERM_FIELDS]
    name, category, forms, exclude, near, window = values
    return LexiconTerm(str(name or ""), str(category or ""), _strings(forms), _strings(exclude),
                       _strings(near), int(window) if window else None)


def _strings(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


def write_report(out_dir: Path, charts: Sequence[Path], table_rows: Sequence[TrendRow],
                 lexicon_terms: Iterable[Any], meta: ChartMeta, data: ReportData | None = None) -> Path:
    """Write `out_dir`/index.html linking the chart files and listing the table and lexicon; `data` adds
    what is in the data, what is counted and wording changes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_NAME
    terms = [lexicon_term(entry) for entry in lexicon_terms]
    path.write_text(render_report(out_dir, charts, table_rows, terms, meta, data), encoding="utf-8")
    return path


def render_report(out_dir: Path, charts: Sequence[Path], table_rows: Sequence[TrendRow],
                  terms: Sequence[LexiconTerm], meta: ChartMeta, data: ReportData | None = None) -> str:
    """The whole page as a string (no I/O)."""
    title = f"jobtone report: {meta.lexicon_name}"
    coverage = [c for c in charts if c.stem == COVERAGE_CHART]
    figure = _charts_html(out_dir, coverage, heading="") if coverage else ""
    data_parts = [] if data is None else [coverage_html(data, table_rows, meta, figure)]
    other_charts = [c for c in charts if c.stem != COVERAGE_CHART] if data is not None else charts
    counted = [] if data is None else [counted_html(data, meta), changes_html(data)]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style></head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        _facts_html(meta, table_rows),
        *data_parts,
        _charts_html(out_dir, other_charts),
        *counted,
        _lexicon_html(terms, meta),
        _table_html(table_rows),
        "</body></html>",
        "",
    ])


def _facts_html(meta: ChartMeta, rows: Sequence[TrendRow]) -> str:
    items = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>"
                    for label, value in meta.facts(sum(total_postings(rows).values())))
    return f'<dl class="facts">{items}</dl>'


def _charts_html(out_dir: Path, charts: Sequence[Path], heading: str = "<h2>Charts</h2>") -> str:
    by_stem: dict[str, dict[str, Path]] = {}
    for chart in charts:
        by_stem.setdefault(chart.stem, {})[chart.suffix.lower()] = chart
    if not by_stem:
        return f'{heading}<p class="muted">No charts yet.</p>'
    return f"{heading}\n" + "\n".join(
        _figure_html(out_dir, stem, files) for stem, files in by_stem.items())


def _figure_html(out_dir: Path, stem: str, files: Mapping[str, Path]) -> str:
    caption = escape(CHART_CAPTIONS.get(stem, stem))
    image = files.get(".png") or files[".svg"]  # an <img> of an SVG runs no scripts either
    img = f'<img src="{_href(out_dir, image)}" alt="{caption}">'
    svg = files.get(".svg")
    link = f' (<a href="{_href(out_dir, svg)}">SVG</a>)' if svg else ""
    return f"<figure>{img}<figcaption>{caption}{link}</figcaption></figure>"


def _href(out_dir: Path, path: Path) -> str:
    """A relative, URL-quoted, HTML-escaped link from the report to a chart file."""
    relative = Path(os.path.relpath(path, out_dir)).as_posix()
    return escape(quote(relative), quote=True)


def _lexicon_html(terms: Sequence[LexiconTerm], meta: ChartMeta) -> str:
    heading = (f"<h2>Lexicon: {escape(meta.lexicon_name)} "
               f'<span class="muted">version {escape(meta.lexicon_version)}</span></h2>')
    if not terms:
        return heading + '<p class="muted">No terms.</p>'
    header = "<tr><th>term</th><th>category</th><th>forms</th><th>excluded when</th>" \
             "<th>only near</th></tr>"
    body = "\n".join(_term_row(term) for term in terms)
    return f"{heading}\n<table>\n{header}\n{body}\n</table>"


def _term_row(term: LexiconTerm) -> str:
    near = _joined(term.near)
    if near and term.window:
        near += f" (within {term.window} words)"
    cells = (term.name, term.category, _joined(term.forms), _joined(term.exclude), near)
    return "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"


def _joined(values: Sequence[str]) -> str:
    return ", ".join(values)


def _table_html(rows: Sequence[TrendRow]) -> str:
    with_group = any(r.group for r in rows)
    corrected = any(r.corrected is not None for r in rows)
    names = ["period", "series", *(["group"] if with_group else []), "postings", "matches",
             "share", "95% interval", "per 10k words",
             *(["precision", "corrected share", "its 95% interval"] if corrected else []),
             "companies", "sources", "low count"]
    header = "<tr>" + "".join(f"<th>{escape(name)}</th>" for name in names) + "</tr>"
    body = "\n".join(_trend_row(row, with_group, corrected) for row in rows)
    unfolded = " open" if len(rows) <= TABLE_OPEN_ROWS else ""  # a long table starts folded
    return (f"<h2>Trend table</h2>\n<details{unfolded}><summary>{len(rows):,} rows</summary>\n"
            f"<table>\n{header}\n{body}\n</table></details>")


def _trend_row(row: TrendRow, with_group: bool, corrected: bool = False) -> str:
    text = [row.period, row.series, *([row.group] if with_group else [])]
    numbers = [f"{row.postings:,}", f"{row.matches:,}", f"{row.share:.1%}",
               f"{row.ci_low:.1%} – {row.ci_high:.1%}", f"{row.per_10k_words:.2f}",
               *(_corrected_cells(row) if corrected else []), f"{row.companies:,}", f"{row.sources:,}"]
    cells = [f"<td>{escape(cell)}</td>" for cell in text]
    cells += [f'<td class="num">{escape(cell)}</td>' for cell in numbers]
    cells.append(f"<td>{'low' if row.low_count else ''}</td>")
    css = ' class="low"' if row.low_count else ""
    return f"<tr{css}>" + "".join(cells) + "</tr>"


def _corrected_cells(row: TrendRow) -> list[str]:
    if row.corrected is None or row.corrected_low is None or row.corrected_high is None:
        return ["", "", ""]
    return [f"{row.precision:.0%}" if row.precision is not None else "", f"{row.corrected:.1%}",
            f"{row.corrected_low:.1%} – {row.corrected_high:.1%}"]
