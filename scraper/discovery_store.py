"""Discovered boards in the store: the candidates found in stored postings, the evidence for each, every
check of a candidate, and the boards enrolled for scraping (`jobtone discover`); also when each board was
last visited. The tables are declared in scraper/schema.sql with the store's others.

The scan runs in DuckDB: the postings that name an ATS host at all are picked with one regular expression,
their text, raw record and URL decoded (scraper/discover.py DECODINGS) and searched for board links
(scraper/discover.py LINK) with regexp_extract_all. Only the distinct links that come out go through
Python, to be read by the same code `find_boards` uses. Everything here is idempotent: scanning twice adds no
rows, it only moves `last_seen_at`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import duckdb

from scraper.discover import DECODINGS, HOSTS, LINK, candidate_from_url, config_key
from scraper.sources.base import Board
from scraper.sql import sql_string

if TYPE_CHECKING:
    from scraper.board_check import CheckResult

RETIRE_AFTER = 3  # an enrolled board not found this many times in a row is retired

# Which stored postings `--from` scans.
ORIGINS: dict[str, str] = {
    "postings": "true",
    "pages": "source = 'page'",
    "wayback": "(date_source = 'capture' OR (source = 'page' AND board IN "
               "(SELECT board FROM board_runs WHERE source = 'wayback')))",
}

# `found` (ats, token, posting_id, url, eu, posted_at, company) into evidence and candidates, one statement each.
MERGE_FOUND = (
    """UPDATE board_evidence e SET last_seen_at = $now, url = f.url, posted_at = f.posted_at
       FROM found f WHERE e.ats = f.ats AND e.token = f.token AND e.posting_id = f.posting_id""",
    """INSERT INTO board_evidence
       SELECT ats, token, posting_id, url, posted_at, $now, $now FROM found f
       WHERE NOT EXISTS (SELECT 1 FROM board_evidence e
                         WHERE e.ats = f.ats AND e.token = f.token AND e.posting_id = f.posting_id)""",
    """CREATE OR REPLACE TEMP TABLE found_boards AS
       SELECT ats, token, mode(company) FILTER (WHERE boards = 1) AS company,
              if(bool_or(eu), '{"eu": true}', '{}') AS options
       -- a posting naming several boards does not say whose its company is
       FROM (SELECT *, count(*) OVER (PARTITION BY posting_id) AS boards FROM found)
       GROUP BY ats, token""",
    """UPDATE discovered_boards d SET last_seen_at = $now, company = coalesce(f.company, d.company), options = f.options
       FROM found_boards f WHERE d.ats = f.ats AND d.token = f.token""",
    """INSERT INTO discovered_boards
       SELECT ats, token, company, options, $now, $now FROM found_boards f
       WHERE NOT EXISTS (SELECT 1 FROM discovered_boards d WHERE d.ats = f.ats AND d.token = f.token)""",
)

LATEST_CHECKS = """(SELECT * FROM board_checks
                    QUALIFY row_number() OVER (PARTITION BY ats, token ORDER BY checked_at DESC) = 1)"""


@dataclass(frozen=True)
class ScanStats:
    links: int  # (posting, board) pairs found
    boards: int  # distinct boards among them
    new_boards: int  # boards not stored before


def decode_sql(expr: str) -> str:
    """SQL applying scraper/discover.py DECODINGS to `expr`, in the same order."""
    for old, new in DECODINGS:
        expr = f"replace({expr}, {sql_string(old)}, {sql_string(new)})"
    return expr


def links_sql(where: str) -> str:
    """SQL for the temp table `board_links(posting_id, url)`: every board link (scraper/discover.py LINK)
    in the postings selected by `where`."""
    hay = "concat_ws(' ', url, text, raw)"
    return f"""
    CREATE OR REPLACE TEMP TABLE board_links AS
    SELECT DISTINCT posting_id, url FROM (
        SELECT posting_id, unnest(regexp_extract_all({decode_sql(hay)}, {sql_string(LINK)}, 0)) AS url
        FROM postings WHERE ({where}) AND regexp_matches({hay}, {sql_string(HOSTS)}))
    """


def scan(con: duckdb.DuckDBPyConnection, now: datetime, origins: Sequence[str] = ("postings",)) -> ScanStats:
    """Find the boards named by stored postings (of `origins`, see ORIGINS) and store them with their
    evidence; a board or link found again only gets `last_seen_at` = now."""
    where = " OR ".join(f"({ORIGINS[origin]})" for origin in origins)
    con.execute(links_sql(where))
    _normalise_links(con)
    con.begin()
    try:
        stats = _merge_found(con, now)
        con.commit()
    except Exception:
        con.rollback()
        raise
    con.execute("DROP TABLE board_links; DROP TABLE link_boards; DROP TABLE found")
    return stats


def _normalise_links(con: duckdb.DuckDBPyConnection) -> None:
    """The temp table `link_boards(url, ats, token, eu, evidence)`: each distinct link's board, read by
    scraper/discover.py `candidate_from_url` (junk links are left out)."""
    rows = []
    for (url,) in con.execute("SELECT DISTINCT url FROM board_links").fetchall():
        found = candidate_from_url(url)
        if found is not None:
            rows.append({"url": url, "ats": found.ats, "token": found.token, "eu": found.eu, "evidence": found.url})
    con.execute("""CREATE OR REPLACE TEMP TABLE link_boards (url VARCHAR, ats VARCHAR, token VARCHAR,
                                                              eu BOOLEAN, evidence VARCHAR)""")
    if rows:
        con.execute("INSERT INTO link_boards SELECT unnest($rows, recursive := true)", {"rows": rows})


# One board per token whatever its case (`jobs.ashbyhq.com/Solace` and `/solace`): the spelling stored before,
# else the one most postings use (then the latest posting's). Tokens the ATS reads without case are lower-cased
# already (scraper/discover.py); the others' spellings all name the same company.
SPELLINGS = """
    CREATE OR REPLACE TEMP TABLE spellings AS
    SELECT ats, token AS spelled, coalesce(
               (SELECT min(d.token) FROM discovered_boards d WHERE d.ats = c.ats AND lower(d.token) = lower(c.token)),
               arg_max(token, (links, latest, token)) OVER (PARTITION BY ats, lower(token))) AS token
    FROM (SELECT ats, token, count(DISTINCT posting_id) AS links, max(posted_at) AS latest
          FROM found_links GROUP BY ALL) c"""


def _merge_found(con: duckdb.DuckDBPyConnection, now: datetime) -> ScanStats:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE found_links AS
        SELECT b.ats, b.token, l.posting_id, b.evidence, b.eu, coalesce(p.posted_at, p.first_seen_at) AS posted_at,
               nullif(trim(p.company), '') AS company
        FROM board_links l JOIN link_boards b USING (url) JOIN postings p USING (posting_id)""")
    con.execute(SPELLINGS)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE found AS
        SELECT f.ats, s.token, f.posting_id, arg_max(f.evidence, length(f.evidence)) AS url, bool_or(f.eu) AS eu,
               any_value(f.posted_at) AS posted_at, any_value(f.company) AS company
        FROM found_links f JOIN spellings s ON s.ats = f.ats AND s.spelled = f.token
        GROUP BY f.ats, s.token, f.posting_id""")
    con.execute("DROP TABLE found_links; DROP TABLE spellings")
    counts = con.execute("""
        SELECT count(*), count(DISTINCT (ats, token)),
               count(DISTINCT (ats, token)) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM discovered_boards d WHERE d.ats = found.ats AND d.token = found.token))
        FROM found""").fetchone() or (0, 0, 0)
    links, boards, new = counts
    for statement in MERGE_FOUND:
        con.execute(statement, {"now": now} if "$now" in statement else None)
    con.execute("DROP TABLE found_boards")
    return ScanStats(int(links), int(boards), int(new))


# -- checks, enrolment and retirement -----------------------------------------------------------------

def configured_keys(boards: Iterable[Board]) -> list[str]:
    """The configured boards as discovered ones are compared with them (scraper/discover.py config_key)."""
    return sorted({config_key(b.ats, b.token) for b in boards})


def _is_configured(alias: str = "d") -> str:
    return f"({alias}.ats || ':' || lower({alias}.token)) IN (SELECT unnest($configured::VARCHAR[]))"


def boards_to_check(con: duckdb.DuckDBPyConnection, now: datetime, recheck_days: float,
                    configured: Sequence[str]) -> list[Board]:
    """Candidates never checked, or last checked more than `recheck_days` ago; configured boards and
    enrolled ones that are scraped anyway are left out. Never-checked first, most linked first."""
    rows = con.execute(f"""
        SELECT d.ats, d.token, d.company, d.options FROM discovered_boards d
        LEFT JOIN {LATEST_CHECKS} c USING (ats, token)
        LEFT JOIN enrolled_boards e USING (ats, token)
        WHERE NOT {_is_configured()} AND (e.ats IS NULL OR e.retired_at IS NOT NULL)
          AND (c.checked_at IS NULL OR c.checked_at < $cutoff)
        ORDER BY c.checked_at IS NOT NULL,
                 (SELECT count(*) FROM board_evidence v WHERE v.ats = d.ats AND v.token = d.token) DESC,
                 d.ats, d.token""",
        {"cutoff": now - timedelta(days=recheck_days), "configured": list(configured)}).fetchall()
    return [_board(*row) for row in rows]


def record_checks(con: duckdb.DuckDBPyConnection, results: Iterable[CheckResult]) -> int:
    """Store check results (one row each, kept as history); returns how many."""
    rows = [[r.ats, r.token, r.checked_at, r.status, r.postings, r.url, r.error] for r in results]
    if rows:
        con.executemany("INSERT INTO board_checks VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def enrol(con: duckdb.DuckDBPyConnection, now: datetime, configured: Sequence[str] = ()) -> int:
    """Enrol every candidate whose latest check found it with open postings (a retired board found so
    again is scraped again); returns how many boards were enrolled or brought back."""
    ok = f"SELECT ats, token FROM {LATEST_CHECKS} WHERE status = 'ok' AND postings > 0"
    params = {"now": now, "configured": list(configured)}
    revived = con.execute(f"""
        UPDATE enrolled_boards e SET retired_at = NULL
        WHERE e.retired_at IS NOT NULL AND EXISTS (
            SELECT 1 FROM ({ok}) c WHERE c.ats = e.ats AND c.token = e.token)""").fetchone()
    added = con.execute(f"""
        INSERT INTO enrolled_boards
        SELECT d.ats, d.token, d.company, d.options, $now, NULL FROM discovered_boards d JOIN ({ok}) c USING (ats, token)
        WHERE NOT {_is_configured()}
          AND NOT EXISTS (SELECT 1 FROM enrolled_boards e WHERE e.ats = d.ats AND e.token = d.token)""",
        params).fetchone()
    return int(revived[0] if revived else 0) + int(added[0] if added else 0)


def retire_missing(con: duckdb.DuckDBPyConnection, now: datetime, after: int = RETIRE_AFTER) -> int:
    """Retire enrolled boards whose last `after` answers (discover checks and scrapes alike) were all
    "not found"; failures say nothing about a board and are not counted. Returns how many were retired."""
    row = con.execute("""
        WITH answers AS (
            SELECT ats, token, checked_at AS at, status FROM board_checks WHERE status IN ('ok', 'not_found')
            UNION ALL
            SELECT source, board, started_at, status FROM board_runs WHERE status IN ('ok', 'not_found')),
        recent AS (
            SELECT a.ats, a.token, a.status FROM answers a JOIN enrolled_boards e USING (ats, token)
            WHERE e.retired_at IS NULL
            QUALIFY row_number() OVER (PARTITION BY a.ats, a.token ORDER BY a.at DESC) <= $after),
        gone AS (
            SELECT ats, token FROM recent GROUP BY ats, token
            HAVING count(*) = $after AND bool_and(status = 'not_found'))
        UPDATE enrolled_boards e SET retired_at = $now
        WHERE EXISTS (SELECT 1 FROM gone g WHERE g.ats = e.ats AND g.token = e.token)""",
        {"now": now, "after": after}).fetchone()
    return int(row[0]) if row else 0


def enrolled_boards(con: duckdb.DuckDBPyConnection) -> list[Board]:
    """The enrolled boards a run scrapes (not retired); none when discovery never ran on this file."""
    rows = con.execute("""SELECT ats, token, company, options FROM enrolled_boards
                          WHERE retired_at IS NULL ORDER BY ats, token""").fetchall()
    return [_board(*row) for row in rows]


def record_visits(con: duckdb.DuckDBPyConnection, visits: Sequence[tuple[str, str, Any]]) -> None:
    """Note (source, board, visited_at) visits; a board keeps only its latest."""
    if not visits:
        return
    rows = [{"source": source, "board": board, "visited": str(at)} for source, board, at in visits]
    con.execute("""CREATE OR REPLACE TEMP TABLE visits AS
                   SELECT source, board, max(visited::TIMESTAMP) AS visited_at FROM (SELECT unnest($rows, recursive := true))
                   GROUP BY ALL""", {"rows": rows})
    con.execute("""DELETE FROM board_visits b USING visits v
                   WHERE b.source = v.source AND b.board = v.board AND b.visited_at <= v.visited_at""")
    con.execute("""INSERT INTO board_visits SELECT * FROM visits v WHERE NOT EXISTS (
                       SELECT 1 FROM board_visits b WHERE b.source = v.source AND b.board = v.board)""")
    con.execute("DROP TABLE visits")


def last_visits(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], datetime]:
    """(source, board) → when it was last fetched."""
    return {(source, board): at for source, board, at in con.execute("SELECT * FROM board_visits").fetchall()}


def enrolled_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """(board, company, enrolled, retired, last check, postings) of every enrolled board, for `jobtone sources`."""
    return con.execute(f"""
        SELECT e.ats || ':' || e.token, e.company, strftime(e.enrolled_at, '%Y-%m-%d'),
               strftime(e.retired_at, '%Y-%m-%d'), c.status, c.postings
        FROM enrolled_boards e LEFT JOIN {LATEST_CHECKS} c USING (ats, token)
        ORDER BY e.retired_at IS NOT NULL, e.ats, e.token""").fetchall()


# -- reading candidates -----------------------------------------------------------------------------------

CANDIDATE_COLUMNS = ["ats", "token", "company", "status", "postings", "checked_at", "error", "mentions",
                     "first_posted", "last_posted", "first_seen", "last_seen", "url"]


# One board's evidence, for `--format json`: each posting linking it, oldest first.
EVIDENCE = """list({'posting_id': v.posting_id, 'source': p.source, 'board': p.board, 'url': v.url, 'posting_url': p.url,
                    'posted_at': v.posted_at, 'first_seen': v.first_seen_at, 'last_seen': v.last_seen_at}
                   ORDER BY v.posted_at, v.posting_id)"""


def candidates(con: duckdb.DuckDBPyConnection, configured: Sequence[str] = (), *,
               evidence: bool = False) -> list[dict[str, Any]]:
    """Every stored candidate with its status (configured, enrolled, retired, else its latest check:
    ok / not_found / failed, or new), the dates of the postings linking it, and with `evidence` the list
    of those postings."""
    rows = con.execute(f"""
        WITH ev AS (
            SELECT v.ats, v.token, count(*) AS mentions, min(v.posted_at) AS first_posted,
                   max(v.posted_at) AS last_posted, arg_max(v.url, v.posted_at) AS url, {EVIDENCE if evidence else 'NULL'} AS evidence
            FROM board_evidence v LEFT JOIN postings p USING (posting_id) GROUP BY v.ats, v.token)
        SELECT d.ats, d.token, d.company,
               CASE WHEN {_is_configured()} THEN 'configured' WHEN e.retired_at IS NOT NULL THEN 'retired'
                    WHEN e.ats IS NOT NULL THEN 'enrolled' ELSE coalesce(c.status, 'new') END AS status,
               c.postings, c.checked_at, c.error, coalesce(ev.mentions, 0), ev.first_posted, ev.last_posted,
               d.first_seen_at, d.last_seen_at, ev.url, ev.evidence
        FROM discovered_boards d LEFT JOIN ev USING (ats, token) LEFT JOIN {LATEST_CHECKS} c USING (ats, token)
        LEFT JOIN enrolled_boards e USING (ats, token)
        ORDER BY d.ats, coalesce(ev.mentions, 0) DESC, d.token""", {"configured": list(configured)}).fetchall()
    out = []
    for row in rows:
        record = dict(zip(CANDIDATE_COLUMNS, row[:-1], strict=True))
        if evidence:
            record["evidence"] = row[-1] or []
        out.append(record)
    return out


def _board(ats: str, token: str, company: str | None, options: str | None) -> Board:
    return Board(ats, token, company or "", MappingProxyType(json.loads(options or "{}")))
