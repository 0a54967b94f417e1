"""Drawing matches to label: a random sample of a term's counted matches, stratified by year and source family
(each stratum in proportion to its matches, at least one each where the sample is large enough), one match
per posting, shown with the words around it."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from analysis.coverage import family_sql
from analysis.kwic import matches_in_context
from analysis.labels import Label
from analysis.lexicon import Lexicon

CONTEXT_WORDS = 25


@dataclass(frozen=True)
class Sample:
    """One match to label, with what the label will record."""

    term: str
    lexicon_name: str
    lexicon_version: str
    rule: str
    year: int | None
    family: str
    company: str
    posting_id: int
    number: int
    left: str
    match: str
    right: str
    draw: str

    def label(self, value: str, at: datetime) -> Label:
        context = f"{self.left}[[{self.match}]]{self.right}"
        return Label(self.term, self.lexicon_name, self.lexicon_version, self.rule, self.year, self.family, value,
                     self.draw, True, self.posting_id, self.number, context, at)


def draw_sample(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, analysis_key: str, include_boilerplate: bool,
                term: str, n: int, seed: int) -> list[Sample]:
    """Up to `n` counted matches of `term`, one per posting, from postings drawn at random within strata."""
    name = lexicon.term(term).name
    strata = con.execute(f"""
        SELECT year(coalesce(p.posted_at, p.first_seen_at)) AS year, {family_sql()} AS family,
               list(t.posting_id ORDER BY t.posting_id) AS ids
        FROM term_counts t JOIN postings p USING (posting_id)
        WHERE t.analysis_key = ? AND t.term = ? AND t.mentions > 0 GROUP BY ALL ORDER BY ALL""",
                         [analysis_key, name]).fetchall()
    rng = random.Random(seed)
    picked = allocate([(year, family, ids) for year, family, ids in strata], n, rng)
    info = {pid: (year, family) for year, family, ids in strata for pid in ids}
    found = matches_in_context(con, lexicon, analysis_key, include_boilerplate, name, sorted(picked),
                               context_words=CONTEXT_WORDS)
    one_each: dict[int, list] = {}
    for match in found:
        if match.status == "counted":
            one_each.setdefault(match.posting_id, []).append(match)
    draw = f"seed={seed} n={n} stratified=year,family"
    samples = []
    for pid in picked:
        if pid in one_each:
            m = rng.choice(one_each[pid])
            year, family = info[pid]
            samples.append(Sample(name, lexicon.name, lexicon.version, m.rule, year, family, m.company, pid,
                                  m.number, m.left, m.match, m.right, draw))
    return samples


def allocate(strata: Sequence[tuple[int | None, str, Sequence[int]]], n: int, rng: random.Random) -> list[int]:
    """Posting ids drawn without replacement: each stratum gets n x its share (largest remainders), at least
    one while n allows; the order is shuffled so a quit part-way still leaves a spread sample."""
    total = sum(len(ids) for *_, ids in strata)
    if total <= n:
        chosen = [pid for *_, ids in strata for pid in ids]
    else:
        quotas = [n * len(ids) / total for *_, ids in strata]
        counts = [int(q) for q in quotas]
        for i in sorted(range(len(strata)), key=lambda i: (counts[i] > 0, -(quotas[i] - counts[i]))):
            if sum(counts) >= n:
                break
            counts[i] += 1
        chosen = [pid for (*_, ids), k in zip(strata, counts, strict=True) for pid in rng.sample(list(ids), k)]
    rng.shuffle(chosen)
    return chosen
