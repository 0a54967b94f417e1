-- The store's tables and views: what a new database is created with, and the shape scraper/migrations.py
-- converts older files to. Every timestamp is naive UTC. The analysis package keeps its own tables
-- (analysis/schema.sql) beside these.

CREATE TABLE postings (              -- one row per posting, in its latest wording
    posting_id    BIGINT NOT NULL,   -- stable hash of (source, board, external_id): see scraper/posting.py
    source        VARCHAR NOT NULL,  -- greenhouse, lever, ashby, ..., hn, import
    board         VARCHAR NOT NULL,  -- the board's token on that source
    external_id   VARCHAR NOT NULL,  -- the source's own id, as text
    company       VARCHAR,
    title         VARCHAR,
    location      VARCHAR,
    url           VARCHAR,
    -- Every analysis reads all of `text`: kept uncompressed it is read 4x faster and written 2.3x faster than
    -- with DuckDB's default string compression (DICT_FSST), for 3x the space (400k generated postings).
    text          VARCHAR USING COMPRESSION uncompressed,  -- the posting's own words, plain text
    boilerplate   VARCHAR,           -- text the source marks as shared across postings
    posted_at     TIMESTAMP,         -- the source's posting date; NULL when it gives none (or an implausible one)
    date_source   VARCHAR,           -- the field posted_at came from
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    removed_at    TIMESTAMP,         -- set when it disappeared from its board; cleared if it returns
    changed_at    TIMESTAMP NOT NULL,-- when its wording last changed (or first seen)
    content_hash  VARCHAR NOT NULL,
    fingerprint   VARCHAR,           -- what a detail-per-posting source's list said about it
    raw           VARCHAR USING COMPRESSION zstd,  -- the source record, JSON: rarely read, large
    words         BIGINT NOT NULL    -- whitespace-separated words of `text` (scraper/posting.py words_sql)
);

CREATE TABLE posting_history (       -- earlier wordings of postings whose text changed
    posting_id    BIGINT NOT NULL,
    content_hash  VARCHAR NOT NULL,
    title         VARCHAR,
    text          VARCHAR,
    boilerplate   VARCHAR,
    valid_from    TIMESTAMP,
    valid_to      TIMESTAMP NOT NULL
);

CREATE TABLE runs (                  -- one row per scrape, backfill or run
    run_id     VARCHAR NOT NULL,
    command    VARCHAR,
    started_at TIMESTAMP NOT NULL,
    ended_at   TIMESTAMP,
    status     VARCHAR,              -- ok | partial | failed | locked | running | interrupted
    fetched    BIGINT, new BIGINT, updated BIGINT, removed BIGINT,  -- as its board_runs add up
    failures   INTEGER,
    error      VARCHAR,
    pid        INTEGER               -- the process that ran it: a `running` run whose process is gone was killed
);

CREATE TABLE board_runs (            -- what happened to each board in a run
    run_id     VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    board      VARCHAR NOT NULL,
    company    VARCHAR,
    started_at TIMESTAMP,
    ended_at   TIMESTAMP,
    status     VARCHAR,              -- ok | not_found | failed | staged
    fetched    BIGINT, new BIGINT, updated BIGINT, removed BIGINT,
    url        VARCHAR,
    error      VARCHAR,              -- why it failed; or the records skipped, with their ids and why
    skipped    BIGINT,               -- records that could not be read (the board's others were stored)
    implausible_dates BIGINT,        -- posting dates stored as unknown (before 1995 or over a year ahead)
    batch      VARCHAR               -- the staged batch its postings were loaded from: counted once, when loaded
);

-- Discovery (`jobtone discover`): board ids named by stored postings, the evidence for each, every check of
-- one, and the boards enrolled for scraping; scraper/discovery_store.py reads and writes them.
CREATE TABLE discovered_boards (     -- board ids named by stored postings
    ats           VARCHAR NOT NULL,  -- the source: greenhouse, lever, ashby, workable, recruitee, smartrecruiters, workday
    token         VARCHAR NOT NULL,  -- the board's token, as a [[board]] entry would hold it
    company       VARCHAR,           -- the company most postings linking it name; NULL when none does
    options       VARCHAR NOT NULL,  -- board options its links imply, JSON (a Lever EU board: {"eu": true})
    first_seen_at TIMESTAMP NOT NULL,-- the discover run that first found it
    last_seen_at  TIMESTAMP NOT NULL -- the latest discover run that found it
);

CREATE TABLE board_evidence (        -- which stored posting links which board (one row per pair)
    ats           VARCHAR NOT NULL,
    token         VARCHAR NOT NULL,
    posting_id    BIGINT NOT NULL,   -- postings.posting_id
    url           VARCHAR NOT NULL,  -- the link as found (decoded; the longest when a posting has several)
    posted_at     TIMESTAMP,         -- the posting's date, else when it was first stored
    first_seen_at TIMESTAMP NOT NULL,-- the discover run that first found the link
    last_seen_at  TIMESTAMP NOT NULL -- the latest discover run that found it
);

CREATE TABLE board_checks (          -- every probe of a discovered board (jobtone discover --check), kept as history
    ats        VARCHAR NOT NULL,
    token      VARCHAR NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    status     VARCHAR NOT NULL,     -- ok | not_found | failed
    postings   BIGINT,               -- open postings the board lists (ok only)
    url        VARCHAR,              -- the request that decided it
    error      VARCHAR
);

CREATE TABLE enrolled_boards (       -- discovered boards scraped besides the configured ones (discover --add)
    ats         VARCHAR NOT NULL,
    token       VARCHAR NOT NULL,
    company     VARCHAR,
    options     VARCHAR NOT NULL,    -- JSON, as in discovered_boards
    enrolled_at TIMESTAMP NOT NULL,
    retired_at  TIMESTAMP            -- not found RETIRE_AFTER times in a row (discovery_store.py): kept, not scraped
);

-- When each board (configured or enrolled) was last fetched: a run with a time budget ([run] max_minutes)
-- starts with the boards never visited, then those visited longest ago, so every board is visited in turn.
CREATE TABLE board_visits (
    source     VARCHAR NOT NULL,
    board      VARCHAR NOT NULL,
    visited_at TIMESTAMP NOT NULL    -- when its last fetch started (whatever came of it)
);

CREATE VIEW posting_texts AS         -- the postings as the analysis and ad hoc queries read them
    SELECT posting_id, source, if(source = 'hn', 'hn', 'boards') AS family, board, company, title, url,
           location, posted_at, date_source, first_seen_at, removed_at, text, boilerplate, words
    FROM postings;
