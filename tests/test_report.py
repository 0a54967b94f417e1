"""The HTML report: a static page that links real chart files and escapes all data text."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from html.parser import HTMLParser

from analysis.charts import write_charts
from analysis.report import LexiconTerm, lexicon_term, write_report
from analysis.series import ChartMeta, TrendRow, wilson_interval

EVIL = "<script>alert(1)</script>"
META = ChartMeta("default", "3f2a91c0", date(2024, 1, 1), date(2024, 3, 31), "seen", True,
                 datetime(2024, 4, 2, 8, 0), (("flexible", "supportive"), ("fast-paced", "hard")))
TERMS = [
    ("flexible", "supportive", ["flexible", "flexibility"], ["flexible spending"], [], None),
    {"name": "fast-paced", "category": "hard", "forms": ["fast-paced", "fast paced"],
     "exclude": [], "near": ["environment"], "window": 5},
    (EVIL, "hard", [EVIL], [], [], None),
]


def trend_row(period: str, start: date, series: str, postings: int, matches: int,
              group: str = "", low_count: bool = False) -> TrendRow:
    low, high = wilson_interval(matches, postings)
    return TrendRow(period, start, series, postings, matches, matches / postings, low, high,
                    matches * 2.0, low_count, group)


def table_rows() -> list[TrendRow]:
    rows = []
    for month, postings in ((1, 160), (2, 8), (3, 120)):
        start = date(2024, month, 1)
        rows.append(trend_row(f"2024-0{month}", start, "supportive", postings, postings // 8,
                              low_count=postings < 10))
        rows.append(trend_row(f"2024-0{month}", start, EVIL, postings, 1, group="Acme & <Co>",
                              low_count=postings < 10))
    return rows


class Tags(HTMLParser):
    """Collects start tags and their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def test_report_links_charts_and_lists_table_and_lexicon(tmp_path):
    out = tmp_path / "reports"
    charts = write_charts({"share": table_rows()[::2]}, META, out)
    page = write_report(out, charts, table_rows(), TERMS, META)
    assert page == out / "index.html"
    html = page.read_text(encoding="utf-8")
    tags = parsed(html)
    assert ("img", {"src": "share.png", "alt": "Share of postings mentioning each category, "
                    "with postings per period below"}) in tags
    assert ("a", {"href": "share.svg"}) in tags
    assert "<td>2024-01</td><td>supportive</td><td></td>" \
           '<td class="num">160</td><td class="num">20</td><td class="num">12.5%</td>' in html
    assert "<td>flexible, flexibility</td><td>flexible spending</td>" in html
    assert "<td>environment (within 5 words)</td>" in html
    assert "version 3f2a91c0" in html and "<dd>seen date</dd>" in html
    assert "<dd>n = 288</dd>" in html
    assert html.count('<tr class="low">') == 2


def test_report_is_static_no_script_no_network(tmp_path):
    out = tmp_path / "reports"
    charts = write_charts({"share": table_rows()}, META, out)
    html = write_report(out, charts, table_rows(), TERMS, META).read_text(encoding="utf-8")
    tags = parsed(html)
    assert not [tag for tag, _ in tags if tag in ("script", "iframe", "object", "embed", "link")]
    links = [attrs.get("src") or attrs.get("href") for _, attrs in tags
             if {"src", "href"} & set(attrs)]
    assert links and not [link for link in links if "//" in (link or "")]
    assert not [attrs for _, attrs in tags if any(name.startswith("on") for name in attrs)]


def test_data_text_is_html_escaped(tmp_path):
    html = write_report(tmp_path, [], table_rows(), TERMS, replace(META, lexicon_name=EVIL)) \
        .read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>Acme &amp; &lt;Co&gt;</td>" in html


def test_charts_in_a_subfolder_are_linked_relatively(tmp_path):
    out = tmp_path / "reports"
    charts = write_charts({"share": [], "terms": []}, META, out / "charts 2024")
    html = write_report(out, charts, [], [], META).read_text(encoding="utf-8")
    srcs = [attrs["src"] for tag, attrs in parsed(html) if tag == "img"]
    assert srcs == ["charts%202024/share.png", "charts%202024/terms.png"]


def test_an_empty_report_still_renders(tmp_path):
    html = write_report(tmp_path, [], [], [], META).read_text(encoding="utf-8")
    assert "No charts yet." in html and "0 rows" in html and "No terms." in html


@dataclass
class TermObject:
    name: str
    category: str
    forms: tuple[str, ...]


def test_lexicon_terms_come_as_tuples_dicts_or_objects():
    assert lexicon_term(TERMS[0]) == LexiconTerm(
        "flexible", "supportive", ("flexible", "flexibility"), ("flexible spending",), (), None)
    assert lexicon_term(TERMS[1]).window == 5
    bare = LexiconTerm("discipline", "hard", (), (), (), None)
    assert lexicon_term(("discipline", "hard")) == bare
    assert lexicon_term(TermObject("grit", "hard", ("grit", "gritty"))).forms == ("grit", "gritty")
    assert lexicon_term({"name": "care", "forms": "care"}).forms == ("care",)


def test_report_sections_escape_matches_in_context_and_changes(tmp_path):
    from analysis.changes import Change
    from analysis.kwic import MatchInContext
    from analysis.report_sections import ReportData

    line = MatchInContext(1, EVIL, 1, f"{EVIL} we are\n\x07 ", "flexible", f". {EVIL}", "counted", "form")
    change = Change(datetime(2024, 3, 2), 1, "greenhouse", "b", EVIL, EVIL, ("flexible",), ())
    data = ReportData(samples={"flexible": [line]}, changes=[change],
                      change_summary=[("2024-03", "supportive", 1, 0)])
    html = write_report(tmp_path, [], table_rows(), TERMS, META, data).read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "we are \\x07 <mark>flexible</mark>. &lt;script&gt;" in html
    assert "No labels for lexicon default 3f2a91c0" in html
    assert '<tr><td>2024-03</td><td>supportive</td><td class="num">1</td><td class="num">0</td></tr>' in html
