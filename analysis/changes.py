"""Wording changes within postings: what a posting's earlier wordings (`posting_history`) said that its next
wording did not, per the lexicon and its sense rules. The mix of employers is held perfectly fixed here:
the same posting, before and after.

Each change pairs one wording with the next (the last with the current text). Both are matched with the
same scan the analysis runs (analysis.match.count_in_texts), on the posting's own text (boilerplate, which
the source marks apart, is not part of either).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from analysis.lexicon import Lexicon
from analysis.match import count_in_texts
from analysis.trends import period_label

# Every wording of every posting that has an earlier one, in order; `changed_at` is when it replaced the one before.
VERSIONS_SQL = """
    WITH versions AS (
        SELECT posting_id, text, valid_to AS until FROM posting_history
        UNION ALL
        SELECT posting_id, text, NULL AS until FROM postings
        WHERE posting_id IN (SELECT posting_id FROM posting_history))
    SELECT v.posting_id, p.source, p.board, p.company, p.title,
           lag(v.until) OVER w AS changed_at, lag(v.text) OVER w AS before, v.text AS after
    FROM versions v JOIN postings p USING (posting_id)
    WINDOW w AS (PARTITION BY v.posting_id ORDER BY v.until NULLS LAST)
    QUALIFY lag(v.text) OVER w IS NOT NULL"""


@dataclass(frozen=True)
class Change:
    """One posting's wording replaced by the next: the terms that started or stopped counting."""

    changed_at: datetime
    posting_id: int
    source: str
    board: str
    company: str
    title: str
    added: tuple[str, ...]
    removed: tuple[str, ...]

    def categories(self, lexicon: Lexicon, terms: Iterable[str]) -> set[str]:
        return {lexicon.term(t).category for t in terms}


def changes(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, since: date | None = None,
            term: str | None = None) -> list[Change]:
    """Every wording change (at or after `since`) that added or removed a counted term (or `term`)."""
    rows = [r for r in con.execute(VERSIONS_SQL).fetchall() if since is None or r[5] >= _midnight(since)]
    texts = [text or "" for row in rows for text in (row[6], row[7])]
    counts = count_in_texts(lexicon, texts) if texts else []
    found = []
    for i, (posting_id, source, board, company, title, changed_at, _, _) in enumerate(rows):
        before, after = _counted(counts[2 * i]), _counted(counts[2 * i + 1])
        added, removed = _ordered(lexicon, after - before), _ordered(lexicon, before - after)
        if (added or removed) and (term is None or term in added or term in removed):
            found.append(Change(changed_at, posting_id, source, board, company or "", title or "", added, removed))
    return sorted(found, key=lambda c: (c.changed_at, c.posting_id))


def change_summary(found: Sequence[Change], lexicon: Lexicon, by: str) -> list[tuple[str, str, int, int]]:
    """(period, category, postings that gained it, postings that lost it) per period, categories in order."""
    tally: dict[tuple[str, str], list[int]] = {}
    for change in found:
        period = period_label(change.changed_at.date(), by)
        for i, terms in enumerate((change.added, change.removed)):
            for category in change.categories(lexicon, terms):
                tally.setdefault((period, category), [0, 0])[i] += 1
    order = {name: i for i, name in enumerate(lexicon.categories)}
    return [(period, category, gained, lost)
            for (period, category), (gained, lost) in sorted(tally.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))]


def _counted(per_term: dict[str, tuple[int, int, int]]) -> set[str]:
    return {name for name, (mentions, _, _) in per_term.items() if mentions > 0}


def _ordered(lexicon: Lexicon, names: set[str]) -> tuple[str, ...]:
    return tuple(t.name for t in lexicon.terms if t.name in names)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())
