"""schema.org JobPosting in JSON-LD: every `<script type="application/ld+json">` block of an HTML page.

Pure parsing, shared by career pages (`sources/pages.py`) and Wayback captures (`scraper/wayback.py`).
A block may hold an object, a list, or an `@graph`; `@type` may be a list. Real pages carry invalid
JSON-LD (raw control characters, `//` and `/* */` comments, trailing commas, `<![CDATA[` wrappers, stray
closing braces), so a
block that fails strict JSON is cleaned and retried; one that still fails is skipped and recorded in
`Extracted.skipped`, never fatal. `description` is HTML, sometimes entity-escaped once more (`&lt;p&gt;`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scraper.dates import parse_english_long_date, parse_iso
from scraper.errors import ParseError
from scraper.text import html_to_text, normalize, unescaped_html_to_text

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

NAME = "jsonld"
MAX_NESTING = 20  # @graph inside lists inside @graph...: deeper is junk, not markup

_STRING_OR_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_STRING_OR_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(\s*[}\]])', re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:\]\]>|-->)\s*$")
_ESCAPED_TAG = re.compile(r"&lt;/?[a-zA-Z]")
_RAW_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_DECODER = json.JSONDecoder(strict=False)


@dataclass(frozen=True)
class JobPostingLD:
    """One JobPosting object, normalised; `raw` is the object as found."""

    title: str
    text: str
    date_posted: datetime | None
    valid_through: datetime | None
    organization: str
    location: str
    employment_types: tuple[str, ...]
    identifier: str
    url: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class Extracted:
    """What a page holds: its JobPostings and a note for each JSON-LD block that could not be read."""

    postings: list[JobPostingLD] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    blocks: int = 0
    canonical: str = ""  # the page's `<link rel="canonical">`, if any


def extract(html: str) -> Extracted:
    """Every JobPosting in the page's JSON-LD blocks; unreadable blocks are skipped and noted."""
    if not isinstance(html, str):
        raise ParseError(NAME, "expected the page's HTML as text")
    postings, skipped = [], []
    from bs4 import BeautifulSoup  # here, not at the top: bs4 costs ~0.2 s at start-up of every command

    soup = BeautifulSoup(html, "html.parser")
    blocks = script_blocks(soup)
    for number, block in enumerate(blocks, start=1):
        try:
            data = loads_lenient(block)
        except ValueError as exc:
            skipped.append(f"block {number}: invalid JSON-LD ({exc})")
            continue
        except RecursionError:
            skipped.append(f"block {number}: JSON-LD nested too deeply to read")
            continue
        for obj in job_posting_objects(data):
            try:
                postings.append(job_posting(obj))
            except ParseError as exc:
                skipped.append(f"block {number}: {exc.reason}")
    return Extracted(postings, skipped, len(blocks), canonical_url(soup))


def script_blocks(soup: BeautifulSoup) -> list[str]:
    """The text of every `<script type="application/ld+json">` (type compared case-insensitively)."""
    scripts = soup.find_all("script", attrs={"type": _is_ld_json})
    return [script.string or script.get_text() for script in scripts]


def canonical_url(soup: BeautifulSoup) -> str:
    """The href of `<link rel="canonical">`, or ""."""
    for link in soup.find_all("link", href=True):
        rel: Any = link.get("rel") or []
        if "canonical" in [str(r).lower() for r in (rel if isinstance(rel, list) else [rel])]:
            return str(link["href"]).strip()
    return ""


def loads_lenient(text: str) -> Any:
    """JSON, forgiving raw control characters, comments, trailing commas and HTML comment/CDATA wrappers;
    ValueError when even the cleaned text is not JSON."""
    try:
        return json.loads(text, strict=False)  # strict=False: raw newlines/tabs inside strings
    except json.JSONDecodeError:
        pass
    cleaned = _WRAPPERS.sub("", text.strip())
    cleaned = _STRING_OR_COMMENT.sub(lambda m: m.group(1) or "", cleaned)
    cleaned = _STRING_OR_TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), cleaned)
    cleaned = _CONTROL.sub(" ", cleaned)
    try:
        return json.loads(cleaned, strict=False)
    except json.JSONDecodeError as exc:
        error = ValueError(f"{exc.msg} at char {exc.pos}")
    try:  # a complete value followed by stray closing braces or semicolons
        value, end = _DECODER.raw_decode(cleaned.strip())
    except json.JSONDecodeError:
        raise error from None
    if cleaned.strip()[end:].strip(" \t\r\n};"):
        raise error
    return value


def job_posting_objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object typed JobPosting in a JSON-LD value: an object, a list, or an `@graph`."""
    if depth > MAX_NESTING:
        return
    if isinstance(data, list):
        for item in data:
            yield from job_posting_objects(item, depth + 1)
    elif isinstance(data, dict):
        if "JobPosting" in _types(data):
            yield data
        elif isinstance(data.get("@graph"), (list, dict)):
            yield from job_posting_objects(data["@graph"], depth + 1)


def job_posting(obj: dict[str, Any]) -> JobPostingLD:
    """One JobPosting object → its normalised fields (ParseError when it has neither title nor text)."""
    title = normalize(_text(obj.get("title")) or _text(obj.get("name")))
    text = description_text(_text(obj.get("description")))
    if not title and not text:
        raise ParseError(NAME, "a JobPosting without title or description")
    return JobPostingLD(
        title=title, text=text,
        date_posted=parse_date(obj.get("datePosted")),
        valid_through=parse_date(obj.get("validThrough")),
        organization=organization_name(obj.get("hiringOrganization")),
        location=location_text(obj.get("jobLocation"), obj.get("jobLocationType")),
        employment_types=employment_types(obj.get("employmentType")),
        identifier=identifier_value(obj.get("identifier")),
        url=_text(obj.get("url")).strip(),
        raw=obj,
    )


def description_text(description: str) -> str:
    """HTML (or once-escaped HTML: `&lt;p&gt;`) → plain text."""
    if _ESCAPED_TAG.search(description) and not _RAW_TAG.search(description):
        return unescaped_html_to_text(description)
    return html_to_text(description)


def parse_date(value: Any) -> datetime | None:
    """ISO 8601 date/datetime (the schema.org form), else an English long date ("July 2, 2026")."""
    text = _text(value).strip()
    return parse_iso(text) or parse_english_long_date(text)


def organization_name(value: Any) -> str:
    """`hiringOrganization`: an Organization object (its `name`), a plain string, or a list of either."""
    if isinstance(value, list):
        return next((name for name in map(organization_name, value) if name), "")
    if isinstance(value, dict):
        return normalize(_text(value.get("name")))
    return normalize(_text(value))


def location_text(value: Any, location_type: Any = None) -> str:
    """`jobLocation` (a Place, a list of Places, or text) → "Locality, Region, Country"; "Remote" for a
    TELECOMMUTE job with no place."""
    places = value if isinstance(value, list) else [value]
    names = [name for name in map(_place, places) if name]
    text = "; ".join(dict.fromkeys(names))
    if not text and "TELECOMMUTE" in _text_list(location_type):
        return "Remote"
    return text


def employment_types(value: Any) -> tuple[str, ...]:
    """`employmentType`: a string (maybe comma-separated) or a list → ("FULL_TIME", ...)."""
    parts = [part.strip() for item in _text_list(value) for part in item.split(",")]
    return tuple(dict.fromkeys(part for part in parts if part))


def identifier_value(value: Any) -> str:
    """`identifier`: text, a number, a PropertyValue (`value`), or a list of those → the first one."""
    if isinstance(value, list):
        return next((found for found in map(identifier_value, value) if found), "")
    if isinstance(value, dict):
        return identifier_value(value.get("value"))
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def _place(value: Any) -> str:
    if isinstance(value, str):
        return normalize(value)
    if not isinstance(value, dict):
        return ""
    address = value.get("address")
    if isinstance(address, str):
        return normalize(address)
    if not isinstance(address, dict):
        return normalize(_text(value.get("name")))
    parts = [address.get(key) for key in ("addressLocality", "addressRegion", "addressCountry")]
    names = [normalize(_text(p.get("name")) if isinstance(p, dict) else _text(p)) for p in parts]
    return ", ".join(name for name in names if name)


def _types(obj: dict[str, Any]) -> list[str]:
    # "@type" may be a list, and may carry a vocabulary prefix ("schema:JobPosting", a full IRI)
    return [t.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for t in _text_list(obj.get("@type"))]


def _text_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return [value] if isinstance(value, str) else []


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _is_ld_json(value: str | None) -> bool:
    return value is not None and value.split(";")[0].strip().lower() == "application/ld+json"
