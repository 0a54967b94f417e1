"""The report's sections beyond the charts and the trend table: what is in the data (postings per period by
source family, the companies and sources behind each period, where coverage changed, which lexicon counts
every period), what is counted (each term's measured precision and a few random matches in context), and
wording changes within postings.

Pure HTML from plain values (analysis/publish.py gathers them); every piece of data text goes through
html.escape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from analysis.series import ChartMeta, TrendRow
from scraper.text import printable

if TYPE_CHECKING:
    from analysis.changes import Change
    from analysis.coverage import CoverageRow, Mark
    from analysis.kwic import MatchInContext
    from analysis.pipeline import LexiconUse
    from analysis.precision import Precision

FOLD_ROWS = 40  # a longer table starts folded
RECENT_CHANGES = 10
FAMILY_NAMES = {"hn": "Hacker News", "boards": "company boards"}


@dataclass(frozen=True)
class ReportData:
    """What the report shows beside the trend series (each part may be empty)."""

    coverage: Sequence[CoverageRow] = ()
    marks: Sequence[Mark] = ()
    family_marks: Sequence[Mark] = ()  # the same, one per source family and period
    lexicon_uses: Sequence[LexiconUse] = ()
    precision: Sequence[Precision] = ()  # empty: no labels for this lexicon version
    samples: Mapping[str, Sequence[MatchInContext]] = field(default_factory=dict)  # term -> random matches
    corrected: bool = False  # the charts draw shares corrected for precision
    changes: Sequence[Change] = ()  # most recent last
    change_summary: Sequence[tuple[str, str, int, int]] = ()  # (period, category, gained, lost)


def family_name(family: str) -> str:
    """hn and boards by what they are; an imported source by its own name."""
    return FAMILY_NAMES.get(family, f"{family} (imported)")


# --- what is in the data ------------------------------------------------------------------------


def coverage_html(data: ReportData, share_rows: Sequence[TrendRow], meta: ChartMeta, figure: str) -> str:
    """The coverage chart, then per period: postings by source family, companies, sources, what changed."""
    parts = ["<h2>What is in the data</h2>", figure, f"<p>{_lexicon_sentence(data, meta)}</p>"]
    if data.marks:
        items = "".join(f"<li>{escape(m.period)}: {escape(m.what)}</li>" for m in data.marks)
        parts.append("<p>Periods where the sources or boards behind the series change (marked on every chart: "
                     f"a step there is not a change in language):</p><ul>{items}</ul>")
    if data.coverage:
        parts.append(_coverage_table(data, share_rows))
    return "\n".join(parts)


def _lexicon_sentence(data: ReportData, meta: ChartMeta) -> str:
    text = f"Lexicon {escape(meta.lexicon_statement())}."
    earlier = [u for u in data.lexicon_uses if u.version != meta.lexicon_version]
    if earlier:
        text += " Earlier versions used here (their counts are not mixed in): " + ", ".join(
            f"{escape(u.name)} {escape(u.version)} from {u.first_used_at:%Y-%m-%d}" for u in earlier) + "."
    return text


def _coverage_table(data: ReportData, share_rows: Sequence[TrendRow]) -> str:
    families = list(dict.fromkeys(f for f in ("hn", "boards") if any(r.family == f for r in data.coverage)))
    families += sorted({r.family for r in data.coverage} - set(families))
    counts = {(r.period, r.family): r.postings for r in data.coverage}
    behind = {r.period: (r.companies, r.sources) for r in share_rows if not r.group}
    marks = {m.period: m.what for m in data.marks}
    periods = list(dict.fromkeys(r.period for r in sorted(data.coverage, key=lambda r: r.start)))
    header = _header(["period", *map(family_name, families), "companies", "sources", "coverage change"])
    body = []
    for period in periods:
        companies, sources = behind.get(period, (None, None))
        numbers = [counts.get((period, f), 0) for f in families] + [companies, sources]
        cells = "".join(f'<td class="num">{"" if n is None else f"{n:,}"}</td>' for n in numbers)
        body.append(f"<tr><td>{escape(period)}</td>{cells}<td>{escape(marks.get(period, ''))}</td></tr>")
    return _folded("Postings, companies and sources per period", header, body)


# --- what is counted ----------------------------------------------------------------------------


def counted_html(data: ReportData, meta: ChartMeta) -> str:
    """Each term's precision from hand labels (or a note that there are none) and random matches in context."""
    parts = ["<h2>What is counted</h2>"]
    measured = [p for p in data.precision if p.labelled]
    if measured:
        corrected = ("The charts draw the share corrected for it (dashed, with its band)." if data.corrected
                     else "Shares corrected for it: <code>jobtone chart --corrected</code>.")
        parts.append("<p>Precision: of a term's counted matches that were labelled by hand, the part that is "
                     f"the intended sense (Wilson 95% interval; only random draws estimate it). {corrected}</p>")
        parts.append(_precision_table(measured))
    else:
        parts.append(f'<p class="muted">No labels for lexicon {escape(meta.lexicon_name)} '
                     f"{escape(meta.lexicon_version)}: precision is not measured and shares are not corrected. "
                     "Label matches with <code>jobtone label TERM</code>, or add labelled samples with "
                     "<code>jobtone label TERM --import FILE</code>.</p>")
    parts.append(_samples_html(data.samples, meta))
    return "\n".join(parts)


def _precision_table(rows: Sequence[Precision]) -> str:
    header = _header(["term", "era", "labelled (n)", "intended", "precision", "95% interval", "recall",
                      "drawn at random"])
    body = []
    for p in rows:
        interval = f"{p.ci_low:.0%} – {p.ci_high:.0%}" if p.ci_low is not None and p.ci_high is not None else ""
        cells = [p.term, p.era]
        numbers = [f"{p.labelled:,}", f"{p.intended:,}", "" if p.precision is None else f"{p.precision:.0%}",
                   interval, "" if p.recall is None else f"{p.recall:.0%}"]
        body.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells)
                    + "".join(f'<td class="num">{escape(n)}</td>' for n in numbers)
                    + f"<td>{'yes' if p.random else 'no: does not estimate precision'}</td></tr>")
    return "<table>\n" + header + "\n" + "\n".join(body) + "\n</table>"


def _samples_html(samples: Mapping[str, Sequence[MatchInContext]], meta: ChartMeta) -> str:
    lines = [(term, line) for term, found in samples.items() for line in found]
    if not lines:
        return '<p class="muted">No counted matches to show in context yet.</p>'
    body = []
    for term, line in lines:
        category = meta.category_of(term)
        context = (f"…{escape(_one_line(line.left))}<mark>{escape(_one_line(line.match))}</mark>"
                   f"{escape(_one_line(line.right))}…")
        body.append(f"<tr><td>{escape(term)}</td><td>{escape(category)}</td><td>{escape(line.company)}</td>"
                    f'<td class="kwic">{context}</td></tr>')
    return ("<p>A few counted matches per term, drawn at random (seeded: the same data shows the same lines), "
            "with the words around them:</p>\n<table>\n" + _header(["term", "category", "company", "in context"])
            + "\n" + "\n".join(body) + "\n</table>")


def _one_line(text: str) -> str:
    """Any run of spaces, tabs and line breaks as one space (the spaces next to the match stay); other control
    characters as visible escapes."""
    return printable(re.sub(r"\s+", " ", text))


# --- wording changes ----------------------------------------------------------------------------


def changes_html(data: ReportData) -> str:
    """Per period, postings that gained or lost each category by a change of wording; the latest changes."""
    if not data.changes:
        return ""
    summary = [f"<tr><td>{escape(period)}</td><td>{escape(category)}</td><td class=\"num\">{gained:,}</td>"
               f'<td class="num">{lost:,}</td></tr>' for period, category, gained, lost in data.change_summary]
    recent = [f"<tr><td>{c.changed_at:%Y-%m-%d}</td><td>{escape(c.company or c.board)}</td>"
              f"<td>{escape(c.title)}</td><td>{escape(', '.join(c.added))}</td><td>{escape(', '.join(c.removed))}"
              "</td></tr>" for c in reversed(data.changes[-RECENT_CHANGES:])]
    return "\n".join([
        "<h2>Wording changes within postings</h2>",
        f"<p>{len(data.changes):,} changes of wording added or removed a counted term, in postings jobtone watched "
        "(the same posting before and after: the mix of employers is held perfectly fixed). "
        "See <code>jobtone changes</code>.</p>",
        "<table>\n" + _header(["period", "category", "postings that gained it", "postings that lost it"]) + "\n"
        + "\n".join(summary) + "\n</table>",
        f"<p>The most recent {min(len(data.changes), RECENT_CHANGES)}:</p>",
        "<table>\n" + _header(["changed", "company", "title", "terms added", "terms removed"]) + "\n"
        + "\n".join(recent) + "\n</table>",
    ])


def _header(names: Sequence[str]) -> str:
    return "<tr>" + "".join(f"<th>{escape(name)}</th>" for name in names) + "</tr>"


def _folded(summary: str, header: str, body: Sequence[str]) -> str:
    unfolded = " open" if len(body) <= FOLD_ROWS else ""
    return (f"<details{unfolded}><summary>{escape(summary)} ({len(body):,} rows)</summary>\n"
            f"<table>\n{header}\n" + "\n".join(body) + "\n</table></details>")
