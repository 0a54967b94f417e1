"""The one record every source produces and the store keeps."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Posting:
    """One job posting as a source serves it, normalised.

    `posted_at` is the source's own posting date as a naive UTC datetime (None when the source gives
    none); `date_source` names the field it came from (e.g. "first_published", or "updated_at" when a
    weaker fallback was used, "capture" for a Wayback capture time). `boilerplate` is text the source
    marks as shared across its postings (board intro/outro, EEO paragraphs), kept apart from `text`.
    `raw` is the source record as JSON text so postings can be re-parsed without re-fetching.

    Detail-per-posting sources set `fingerprint` to what their list says about a posting (e.g. its
    update time); when the stored fingerprint matches, they skip the detail request and yield the posting
    with `seen_only=True`: the store then only marks it seen and keeps its stored text.
    """

    source: str
    board: str
    external_id: str
    title: str
    text: str
    posted_at: datetime | None
    date_source: str = ""
    company: str = ""
    location: str = ""
    url: str = ""
    boilerplate: str = ""
    raw: str = ""
    fingerprint: str = ""
    seen_only: bool = False

    @property
    def posting_id(self) -> int:
        return posting_id(self.source, self.board, self.external_id)

    @property
    def content_hash(self) -> str:
        """Changes whenever the wording a reader sees changes (same as SQL `CONTENT_HASH_SQL`)."""
        return hashlib.md5("\x1f".join((self.title, self.text, self.boilerplate)).encode()).hexdigest()


def posting_id(source: str, board: str, external_id: str) -> int:
    """A stable 63-bit id for the key (source, board, external_id); SQL computes the same (`POSTING_ID_SQL`)."""
    digest = hashlib.md5(f"{source}\x1f{board}\x1f{external_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


# The same two functions in DuckDB SQL, for bulk loads that never pass rows through Python.
POSTING_ID_SQL = "(md5_number_upper(source || chr(31) || board || chr(31) || external_id) >> 1)::BIGINT"
CONTENT_HASH_SQL = "md5(title || chr(31) || text || chr(31) || boilerplate)"
def words_sql(column: str = "text") -> str:
    """SQL for the whitespace-separated words of normalised text (single spaces, one line per paragraph):
    spaces + lines, the same as `len(text.split())` for such text. Spaces are the characters equal to a
    run of spaces of the same length: `hamming` against a `substr` of a constant (`left` walks the
    constant character by character: 1.3x slower; counting what `replace` removes: 1.9x slower). Texts
    longer than that run are counted with `replace`."""
    return (f"CASE WHEN coalesce({column}, '') = '' THEN 0 "
            f"WHEN strlen({column}) <= 65536 "
            f"THEN length({column}) - hamming({column}, substr(repeat(' ', 65536), 1, length({column}))) "
            f"+ len(string_split({column}, chr(10))) "
            f"ELSE strlen({column}) - strlen(replace({column}, ' ', '')) + len(string_split({column}, chr(10))) END")


def raw_json(record: Any) -> str:
    """The source record as compact JSON text, for `Posting.raw`."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
