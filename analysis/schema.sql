-- The analysis package's own tables and views (created by analysis/lines.py ensure_schema, beside the
-- store's scraper/schema.sql). Everything here is derived from `postings` and can be rebuilt.

CREATE TABLE IF NOT EXISTS analysis_meta (key VARCHAR NOT NULL, value VARCHAR);  -- schema, line_hash, line_batch

-- Results, per analysis key: a lexicon version, plus '+boilerplate' when boilerplate was counted.
CREATE TABLE IF NOT EXISTS analysis_runs (  -- one row per analysis key
    analysis_key        VARCHAR NOT NULL,
    lexicon_name        VARCHAR NOT NULL,
    lexicon_version     VARCHAR NOT NULL,  -- content hash of the lexicon's terms
    lexicon_source      VARCHAR,           -- pack:<name> or the file
    include_boilerplate BOOLEAN NOT NULL,
    analysed_at         TIMESTAMP NOT NULL,
    postings            BIGINT,            -- postings with stored results
    rematched           BIGINT,            -- postings matched again by the last run
    line_batch          BIGINT             -- the last posting_lines batch this key has seen
);
CREATE TABLE IF NOT EXISTS lexicon_versions (  -- when each lexicon version first counted anything here (never pruned)
    lexicon_name    VARCHAR NOT NULL,
    lexicon_version VARCHAR NOT NULL,
    first_used_at   TIMESTAMP NOT NULL  -- its first analysis (files older than this table: its earliest kept run)
);
CREATE TABLE IF NOT EXISTS analysis_terms (lexicon_version VARCHAR NOT NULL, position INTEGER NOT NULL,
                                           term VARCHAR NOT NULL, category VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS posting_analysis (  -- what each posting's counts were computed on
    analysis_key VARCHAR NOT NULL, posting_id BIGINT NOT NULL,
    content_hash UBIGINT NOT NULL,   -- hash() of postings.content_hash at the time (see analysis/lines.py CONTENT_HASH)
    words        BIGINT NOT NULL     -- whitespace-separated words of the analysed text
);
CREATE TABLE IF NOT EXISTS term_counts (  -- only terms found (or excluded) in a posting
    analysis_key VARCHAR NOT NULL, posting_id BIGINT NOT NULL, term VARCHAR NOT NULL, category VARCHAR NOT NULL,
    mentions INTEGER NOT NULL,       -- matches that count
    excluded INTEGER NOT NULL,       -- inside an exclusion phrase of the term
    not_near INTEGER NOT NULL        -- vetoed by the window: no `near` word, or a `not_near` word, within it
);
CREATE TABLE IF NOT EXISTS category_counts (
    analysis_key VARCHAR NOT NULL, posting_id BIGINT NOT NULL, category VARCHAR NOT NULL,
    mentions INTEGER NOT NULL, terms INTEGER NOT NULL
);

-- Boilerplate line state. Companies are a hash of their normalised name (analysis/lines.py company_key_sql):
-- ten million line rows write in 0.7 s instead of 5.7 s with the name as text.
CREATE TABLE IF NOT EXISTS posting_lines (  -- each line (paragraph) of each posting, hashed when it is stored
    posting_id BIGINT NOT NULL, company_key UBIGINT NOT NULL, line_hash UBIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS posting_line_state (
    posting_id BIGINT NOT NULL, content_hash UBIGINT NOT NULL, company_key UBIGINT,  -- content_hash: as above
    batch BIGINT NOT NULL            -- the refresh that counted its lines
);
CREATE TABLE IF NOT EXISTS line_changes (batch BIGINT NOT NULL, company_key UBIGINT);  -- companies whose lines changed
CREATE TABLE IF NOT EXISTS company_line_counts (  -- in how many of a company's postings each line appears (3 or more)
    company_key UBIGINT NOT NULL, line_hash UBIGINT NOT NULL, uses BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS boilerplate_lines (  -- lines repeated in at least half of a company's postings
    analysis_key VARCHAR NOT NULL, company_key UBIGINT NOT NULL, line_hash UBIGINT NOT NULL
);

-- Views for ad hoc queries (`jobtone sql`): the results of the analysis run most recently.
CREATE OR REPLACE VIEW analysis_current AS
    SELECT * FROM analysis_runs ORDER BY analysed_at DESC LIMIT 1;
CREATE OR REPLACE VIEW term_matches AS
    SELECT t.posting_id, t.term, t.category, t.mentions, t.excluded, t.not_near
    FROM term_counts t JOIN analysis_current c USING (analysis_key);
CREATE OR REPLACE VIEW posting_categories AS
    SELECT a.posting_id, cat.category, coalesce(cc.mentions, 0) AS mentions,
           coalesce(cc.mentions, 0) > 0 AS matched, a.words
    FROM posting_analysis a
    JOIN analysis_current c USING (analysis_key)
    JOIN (SELECT DISTINCT category FROM analysis_terms JOIN analysis_current USING (lexicon_version)) cat ON true
    LEFT JOIN category_counts cc
           ON cc.analysis_key = a.analysis_key AND cc.posting_id = a.posting_id AND cc.category = cat.category;
CREATE OR REPLACE VIEW monthly_shares AS
    SELECT strftime(date_trunc('month', p.posted_at), '%Y-%m') AS month, pc.category,
           count(*) AS postings, count(*) FILTER (pc.matched) AS matches,
           round(count(*) FILTER (pc.matched) / count(*), 4) AS share,
           round(10000.0 * sum(pc.mentions) / nullif(sum(pc.words), 0), 3) AS per_10k_words
    FROM posting_categories pc JOIN postings p USING (posting_id)
    WHERE p.posted_at IS NOT NULL GROUP BY ALL ORDER BY month, pc.category;
