"""`jobtone chart` end to end on real DuckDB files: what is in the data (an import by its own name), coverage
marks on every chart when boards enter mid-range, precision and matches in context (or a note that there are
no labels), corrected shares, and the wording-changes table after a replayed board was scraped twice."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.labels import Label, save_labels
from analysis.lexicon import load_lexicon
from e2e import board, write_config
from jobtone.cli import main
from replay import Reply
from scraper import store
from scraper.posting import Posting
from test_changes import GH, edited_board

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEEN = datetime(2025, 1, 15)
MONTHS = [datetime(2023 + m // 12, m % 12 + 1, 10) for m in range(24)]  # 2023-01 .. 2024-12
TEXTS = ("We offer flexible hours and a calm team.", "A fast-paced startup with big goals.",
         "Plain words about the role and the product.", "Flexible schedules in a fast-paced company.")
LEXICON = """name = "mine"

[[term]]
name = "flexible"
category = "supportive"
forms = ["flexible"]

[[term]]
name = "fast-paced"
category = "hard"
forms = ["fast-paced"]
"""


def postings() -> list[Posting]:
    """Hacker News and board acme all along; boards beta and gamma from 2024-03."""
    out = []
    for m, month in enumerate(MONTHS):
        for i in range(6):
            text = TEXTS[(m + i) % 4]
            out.append(Posting("hn", "whoishiring", f"hn{m}-{i}", "Engineer", text, month, "created_at",
                               company=f"Startup {i}"))
            out.append(Posting("greenhouse", "acme", f"a{m}-{i}", "Engineer", text, month, "first_published",
                               company="Acme"))
            if month >= datetime(2024, 3, 1):
                for name in ("beta", "gamma"):
                    out.append(Posting("greenhouse", name, f"{name}{m}-{i}", "Engineer", text, month,
                                       "first_published", company=name.title()))
    return out


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(args), out=out, err=err), out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """The postings above, plus `hnsample` imported from a JSON Lines file: 2023-07 on."""
    folder = tmp_path_factory.mktemp("db")
    db = folder / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, postings(), SEEN)
    lines = [json.dumps({"id": f"s{m}-{i}", "date": month.date().isoformat(), "company": f"Sample {i}",
                         "text": TEXTS[i % 4]}) for m, month in enumerate(MONTHS[6:]) for i in range(5)]
    (folder / "sample.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli("--db", str(db), "-q", "import", str(folder / "sample.jsonl"), "--source", "hnsample")[0] == 0
    (folder / "mine.toml").write_text(LEXICON, encoding="utf-8")
    return db


def chart(db: Path, out: Path, *options: str) -> tuple[int, str]:
    code, _, err = run_cli("--db", str(db), "-q", "chart", "--out", str(out), "--min-postings", "5", *options)
    return code, err


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.srcs.append(dict(attrs)["src"] or "")


def images(html: str) -> list[str]:
    parser = Images()
    parser.feed(html)
    return parser.srcs


def svg_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    ET.fromstring(text)
    return text


def test_what_is_in_the_data_comes_first_with_the_import_by_its_name(database, tmp_path):
    code, _ = chart(database, tmp_path / "r", "--lexicon", str(database.parent / "mine.toml"))
    assert code == 0
    out = tmp_path / "r"
    assert (out / "coverage.png").read_bytes()[:8] == PNG_MAGIC
    coverage = svg_text(out / "coverage.svg")
    for name in ("Hacker News (144)", "company boards (264)", "hnsample (imported) (90)"):
        assert name in coverage
    html = (out / "index.html").read_text(encoding="utf-8")
    assert images(html) == ["coverage.png", "share.png", "terms.png", "groups.png"]
    assert html.index("What is in the data") < html.index("<h2>Charts</h2>")
    assert "<th>hnsample (imported)</th><th>companies</th><th>sources</th>" in html
    # 2024-03: 6 HN + 18 board + 5 imported postings, by 6 startups, 3 board companies, 5 sample companies
    assert ('<tr><td>2024-03</td><td class="num">6</td><td class="num">18</td><td class="num">5</td>'
            '<td class="num">14</td><td class="num">3</td><td>+2 boards</td></tr>') in html


def test_every_trend_chart_marks_where_sources_or_boards_change(database, tmp_path):
    assert chart(database, tmp_path, "--lexicon", str(database.parent / "mine.toml"))[0] == 0
    for kind in ("coverage", "share", "terms", "groups"):
        text = svg_text(tmp_path / f"{kind}.svg")
        assert "+2 boards" in text and "hnsample starts" in text, kind
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<li>2023-07: hnsample starts</li>" in html and "<li>2024-03: +2 boards</li>" in html
    mine = load_lexicon(str(database.parent / "mine.toml"))
    assert f"mine {mine.version} since " in html and "every period is counted with it" in html


def test_without_labels_the_report_says_so_and_still_shows_matches_in_context(database, tmp_path):
    code, err = chart(database, tmp_path, "--lexicon", str(database.parent / "mine.toml"), "--corrected")
    assert code == 0 and "no labels for lexicon mine" in err
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "No labels for lexicon mine" in html and "precision is not measured" in html
    assert html.count("<mark>flexible</mark>") + html.count("<mark>Flexible</mark>") == 3
    assert html.count("<mark>fast-paced</mark>") == 3
    assert "corrected for precision" not in svg_text(tmp_path / "share.svg")


def labelled(db: Path, tmp_path: Path) -> Path:
    """A copy of the database with random labels for both terms of `mine`: flexible 8 of 10, fast-paced 9 of 10."""
    copy = tmp_path / "labelled.duckdb"
    copy.write_bytes(db.read_bytes())
    version = load_lexicon(str(db.parent / "mine.toml")).version
    labels = [Label(term, "mine", version, "form", 2024, "boards", "intended" if i < good else "other", "seed 1",
                    True) for term, good in (("flexible", 8), ("fast-paced", 9)) for i in range(10)]
    with store.opened(copy) as con:
        save_labels(con, labels)
    return copy


def test_corrected_shares_and_precision_when_labels_exist(database, tmp_path):
    db = labelled(database, tmp_path)
    code, _ = chart(db, tmp_path / "r", "--lexicon", str(database.parent / "mine.toml"), "--corrected")
    assert code == 0
    out = tmp_path / "r"
    for kind in ("share", "terms"):
        assert (out / f"{kind}.png").read_bytes()[:8] == PNG_MAGIC
        assert "corrected for precision (labelled)" in svg_text(out / f"{kind}.svg")
    html = (out / "index.html").read_text(encoding="utf-8")
    assert ('<tr><td>flexible</td><td>all</td><td class="num">10</td><td class="num">8</td><td class="num">80%</td>'
            in html) and "<td>yes</td>" in html
    assert "<th>corrected share</th>" in html
    assert "The charts draw the share corrected for it" in html
    code, _ = chart(db, tmp_path / "raw", "--lexicon", str(database.parent / "mine.toml"), "--no-corrected")
    assert "corrected for precision" not in svg_text(tmp_path / "raw" / "share.svg")
    assert "80%" in (tmp_path / "raw" / "index.html").read_text(encoding="utf-8")  # precision is still shown


def test_labels_alone_correct_the_charts_without_asking(database, tmp_path):
    db = labelled(database, tmp_path)
    assert chart(db, tmp_path / "r", "--lexicon", str(database.parent / "mine.toml"))[0] == 0
    assert "corrected for precision (labelled)" in svg_text(tmp_path / "r" / "share.svg")


def test_wording_changes_appear_after_a_board_was_scraped_twice_with_an_edit(tmp_path, server):
    server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json"), Reply.json(edited_board()))
    config = str(write_config(tmp_path, server.url, board("greenhouse", "gitlab")))
    assert run_cli("--config", config, "-q", "scrape")[0] == 0
    assert run_cli("--config", config, "-q", "chart", "--out", str(tmp_path / "first"))[0] == 0
    assert "Wording changes" not in (tmp_path / "first" / "index.html").read_text(encoding="utf-8")
    assert run_cli("--config", config, "-q", "scrape")[0] == 0
    assert run_cli("--config", config, "-q", "chart", "--out", str(tmp_path / "second"), "--by", "year")[0] == 0
    html = (tmp_path / "second" / "index.html").read_text(encoding="utf-8")
    assert "<h2>Wording changes within postings</h2>" in html
    year = str(datetime.now().year)
    assert f'<tr><td>{year}</td><td>hard</td><td class="num">1</td><td class="num">0</td></tr>' in html
    assert "<td>gitlab</td>" in html and "<td>fast-paced</td><td></td></tr>" in html


def test_the_stated_data_range_is_that_of_the_trend_rows(database, tmp_path):
    """Charts are dated by what is in the data (drawn before the series are counted): the same periods."""
    assert chart(database, tmp_path, "--by", "quarter")[0] == 0
    code, out, _ = run_cli("--db", str(database), "trends", "--by", "quarter", "--format", "csv")
    assert code == 0
    periods = [line.split(",")[0] for line in out.splitlines()[1:]]
    first, last = min(periods), max(periods)
    starts = {f"{y}-Q{q}": f"{y}-{3 * q - 2:02d}-01" for y in range(2000, 2100) for q in range(1, 5)}
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f"<dd>{starts[first]} to {starts[last]}</dd>" in html
    for kind in ("coverage", "share", "terms", "groups"):
        assert f"data: {starts[first]} to {starts[last]}" in svg_text(tmp_path / f"{kind}.svg"), kind
