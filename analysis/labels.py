"""Hand labels of matches: is this match the term's intended sense? Stored in the database, shared as JSON Lines,
and shipped for the built-in lexicons (analysis/labels/<pack>.jsonl) so precision is known on a fresh install.

A label is one match of one term, read in its context and marked `intended`, `other` or `unsure`. It keeps
the lexicon version and the rule that counted (or vetoed) the match, the era and source family of its
posting, and the sampling draw it came from: only labels from a random draw estimate precision. Shipped
labels carry no posting text (the postings' words belong to their authors); a user's own labels keep
their context, so a labelled sample can be shared and checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb

from analysis.lexicon import Lexicon
from scraper.errors import ConfigError

VALUES = ("intended", "other", "unsure")
COUNTING_RULES = ("form", "keep", "near")  # a match so ruled is counted; "exclude", "not_near", "not near" veto it

LABELS_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (     -- hand labels of matches (jobtone label; shared with --export/--import)
    term            VARCHAR NOT NULL,
    lexicon_name    VARCHAR NOT NULL,
    lexicon_version VARCHAR NOT NULL,   -- the lexicon the match was counted (or vetoed) by
    rule            VARCHAR NOT NULL,   -- form | keep:PHRASE | near | exclude:PHRASE | not_near:WORD | not near
    year            INTEGER,            -- the posting's year (posted, else first seen)
    family          VARCHAR,            -- hn | boards | an imported source's name
    label           VARCHAR NOT NULL,   -- intended | other | unsure
    draw            VARCHAR,            -- the sampling draw (seed, size, stratification); NULL when not random
    random          BOOLEAN NOT NULL,   -- drawn at random: only such labels estimate precision
    posting_id      BIGINT,
    match_number    INTEGER,            -- which match of the posting it is (1-based, in text order)
    context         VARCHAR,            -- the words around the match, as shown to the labeller
    labelled_at     TIMESTAMP
);"""


@dataclass(frozen=True)
class Label:
    """One labelled match."""

    term: str
    lexicon_name: str
    lexicon_version: str
    rule: str
    year: int | None
    family: str | None
    label: str
    draw: str | None
    random: bool
    posting_id: int | None = None
    match_number: int | None = None
    context: str | None = None
    labelled_at: datetime | None = None

    @property
    def counted(self) -> bool:
        """Whether the lexicon counted this match (else a rule vetoed it: a label for recall)."""
        return self.rule.split(":")[0] in COUNTING_RULES

    def as_json(self) -> dict[str, object]:
        record = asdict(self)
        record["labelled_at"] = self.labelled_at.isoformat() if self.labelled_at else None
        return record


COLUMNS = tuple(f.name for f in fields(Label))


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LABELS_SCHEMA)


def save_labels(con: duckdb.DuckDBPyConnection, labels: Iterable[Label]) -> int:
    """Append labels (one statement for the lot)."""
    rows = [tuple(getattr(label, c) for c in COLUMNS) for label in labels]
    if rows:
        ensure_table(con)
        con.executemany(f"INSERT INTO labels ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return len(rows)


def stored_labels(con: duckdb.DuckDBPyConnection) -> list[Label]:
    """Every label in the database."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'labels'").fetchall()[0][0]:
        return []
    return [Label(*row) for row in con.execute(f"SELECT {', '.join(COLUMNS)} FROM labels").fetchall()]


def export_labels(labels: Iterable[Label], path: Path) -> int:
    """Write labels as JSON Lines; returns how many."""
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for label in labels:
            out.write(json.dumps(label.as_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_labels(lines: Iterable[str], where: str) -> Iterator[Label]:
    """Labels from JSON Lines; a malformed line is a ConfigError naming it."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if record.get("label") not in VALUES:
                raise ValueError(f"label must be one of {', '.join(VALUES)}")
            if record.get("labelled_at"):
                record["labelled_at"] = datetime.fromisoformat(record["labelled_at"])
            yield Label(**{c: record.get(c) for c in COLUMNS if c in record})
        except (ValueError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{where} line {number}: not a label ({exc})") from None


def import_labels(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Add the labels of a JSON Lines file (as written by export_labels) to the database."""
    try:
        with path.open(encoding="utf-8") as lines:
            return save_labels(con, list(read_labels(lines, str(path))))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read labels from {path}: {exc}") from None


def shipped_labels(lexicon_name: str) -> list[Label]:
    """The labels shipped with a built-in lexicon (none for other lexicons)."""
    resource = resources.files("analysis").joinpath("labels", f"{lexicon_name}.jsonl")
    if not resource.is_file():
        return []
    return list(read_labels(resource.read_text(encoding="utf-8").splitlines(), f"shipped labels {lexicon_name}"))


def known_labels(con: duckdb.DuckDBPyConnection | None, lexicon: Lexicon, own_only: bool = False) -> list[Label]:
    """The database's own labels, and (unless `own_only`) those shipped with a built-in lexicon."""
    shipped = [] if own_only or not lexicon.source.startswith("pack:") else shipped_labels(lexicon.name)
    return shipped + (stored_labels(con) if con is not None else [])
