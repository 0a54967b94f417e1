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

    @property
    def posting_id(self) -> int:
        return posting_id(self.source, self.board, self.external_id)

    @property
    def content_hash(self) -> str:
        """Changes whenever the wording a reader sees changes."""
        parts = (self.title, self.text, self.boilerplate)
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def posting_id(source: str, board: str, external_id: str) -> int:
    """A stable 63-bit id for the key (source, board, external_id), the same in every database."""
    key = f"{source}\x1f{board}\x1f{external_id}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 1


def raw_json(record: Any) -> str:
    """The source record as compact JSON text, for `Posting.raw`."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
