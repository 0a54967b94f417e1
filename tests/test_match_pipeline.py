"""Incremental analysis in a real DuckDB file: only new or changed postings are matched again, a changed
lexicon matches everything, and boilerplate (marked by the source, or repeated by a company) is left out."""

from datetime import datetime

import pytest

from analysis.lexicon import load_lexicon, parse_lexicon
from analysis.lines import line_hash_tag
from analysis.pipeline import analyse
from scraper import store
from scraper.posting import Posting

T1, T2, T3 = datetime(2024, 5, 1), datetime(2024, 5, 2), datetime(2024, 5, 3)
INTRO = "At Acme we are flexible about everything."


def acme(n, own=None, company="Acme", boilerplate=""):
    own = own or f"We ship code {n}."
    return Posting("greenhouse", "acme", str(n), f"Job {n}", f"{INTRO}\n{own}", datetime(2024, 1, n),
                   company=company, boilerplate=boilerplate)


def counts(con, key):
    return dict(con.execute("""SELECT p.external_id, coalesce(sum(t.mentions) FILTER (t.category = 'supportive'), 0)
                               FROM postings p JOIN posting_analysis a USING (posting_id)
                               LEFT JOIN term_counts t ON t.analysis_key = a.analysis_key AND t.posting_id = p.posting_id
                               WHERE a.analysis_key = ? GROUP BY ALL""", [key]).fetchall())


def test_only_new_and_changed_postings_are_matched_again(tmp_path):
    db = tmp_path / "j.duckdb"
    lexicon = load_lexicon()
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 4)], T1)
        assert analyse(con, lexicon, now=T1).rematched == 3
        assert analyse(con, lexicon, now=T1).rematched == 0
        store.load_postings(con, [acme(1, "Now we need empathy."), acme(4)], T2)
        stats = analyse(con, lexicon, now=T2)
        assert (stats.rematched, stats.postings) == (2, 4)
        hashes = con.execute("""SELECT count(*) FROM posting_analysis a JOIN postings p USING (posting_id)
                                WHERE a.content_hash = hash(p.content_hash)""").fetchall()[0][0]
        assert hashes == 4
        assert counts(con, stats.analysis_key)["1"] == 2  # intro's flexible (Acme has < 5 postings) + empathy


@pytest.mark.parametrize("recorded", [True, False])
def test_a_file_with_content_hashes_as_text_keeps_its_results(tmp_path, recorded):
    """Analysis schema 3 kept content hashes as text: they become numbers, and nothing is matched again."""
    db = tmp_path / "j.duckdb"
    lexicon = load_lexicon()
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 7)], T1)
        key = analyse(con, lexicon, now=T1).analysis_key
        before = counts(con, key)
        for table in ("posting_analysis", "posting_line_state"):
            con.execute(f"ALTER TABLE {table} ALTER content_hash TYPE VARCHAR")
            con.execute(f"UPDATE {table} t SET content_hash = p.content_hash FROM postings p "
                        "WHERE t.posting_id = p.posting_id")
        con.execute("UPDATE analysis_meta SET value = '3' WHERE key = 'schema'" if recorded
                    else "DELETE FROM analysis_meta WHERE key = 'schema'")
    with store.opened(db) as con:
        assert analyse(con, lexicon, now=T2).rematched == 0
        assert counts(con, key) == before
        types = con.execute("""SELECT DISTINCT data_type FROM duckdb_columns()
                               WHERE table_name IN ('posting_analysis', 'posting_line_state')
                                 AND column_name = 'content_hash'""").fetchall()
        assert types == [("UBIGINT",)]
        store.load_postings(con, [acme(1, "Now we need empathy.")], T2)
        assert analyse(con, lexicon, now=T2).rematched == 1


def test_a_few_changed_postings_among_many_are_read_on_their_own(tmp_path):
    db = tmp_path / "j.duckdb"
    lexicon = load_lexicon()
    with store.opened(db) as con:
        store.load_postings(con, [acme(n, company=f"C{n}") for n in range(1, 21)], T1)
        analyse(con, lexicon, now=T1)
        store.load_postings(con, [acme(3, "Now we need empathy.", company="C3")], T2)  # 1 of 20: staged
        stats = analyse(con, lexicon, now=T2)
        assert stats.rematched == 1
        assert counts(con, stats.analysis_key)["3"] == 2
        assert con.execute("SELECT a.words FROM posting_analysis a JOIN postings p USING (posting_id) "
                           "WHERE p.external_id = '3'").fetchall() == [(11,)]


def test_a_changed_lexicon_matches_everything_and_old_results_stay(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 4)], T1)
        first = analyse(con, load_lexicon(), now=T1)
        changed = parse_lexicon('[[term]]\nname = "ship"\ncategory = "hard"\nforms = ["ship*"]\n', "mine")
        second = analyse(con, changed, now=T2)
        assert second.rematched == 3 and second.analysis_key != first.analysis_key
        assert analyse(con, load_lexicon(), now=T3).rematched == 0  # the default's results were kept
        assert con.execute("SELECT lexicon_name FROM analysis_current").fetchall() == [("default",)]


def test_comment_only_edits_do_not_rematch(tmp_path):
    db = tmp_path / "j.duckdb"
    text = '[[term]]\nname = "ship"\ncategory = "hard"\nforms = ["ship*"]\n'
    with store.opened(db) as con:
        store.load_postings(con, [acme(1)], T1)
        analyse(con, parse_lexicon(text, "mine"), now=T1)
        assert analyse(con, parse_lexicon("# edited\n" + text, "mine"), now=T2).rematched == 0


def test_repeated_company_paragraphs_are_boilerplate(tmp_path):
    db = tmp_path / "j.duckdb"
    lexicon = load_lexicon()
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 5)], T1)
        key = analyse(con, lexicon, now=T1).analysis_key
        assert set(counts(con, key).values()) == {1}  # 4 postings: not yet a company's boilerplate
        store.load_postings(con, [acme(5)], T2)
        stats = analyse(con, lexicon, now=T2)
        assert stats.rematched == 5  # the intro became boilerplate: every posting holding it is redone
        assert set(counts(con, key).values()) == {0}
        words = con.execute("SELECT DISTINCT words FROM posting_analysis WHERE analysis_key = ?", [key]).fetchall()
        assert words == [(4,)]  # "We ship code N." only
        included = analyse(con, lexicon, include_boilerplate=True, now=T2)
        assert set(counts(con, included.analysis_key).values()) == {1}


def test_boilerplate_follows_changed_postings_both_ways(tmp_path):
    db = tmp_path / "j.duckdb"
    lexicon = load_lexicon()
    plain = [Posting("greenhouse", "acme", str(n), f"Job {n}", f"We ship code {n}.", datetime(2024, 1, n),
                     company="Acme") for n in range(1, 7)]
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 7)], T1)
        key = analyse(con, lexicon, now=T1).analysis_key
        assert set(counts(con, key).values()) == {0}  # the intro is in 6 of 6
        store.load_postings(con, plain[:4], T2)  # now in 2 of 6: the company's own words again
        analyse(con, lexicon, now=T2)
        assert counts(con, key) == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "6": 1}
        store.load_postings(con, [acme(1), acme(2)], T3)  # 4 of 6: boilerplate again
        analyse(con, lexicon, now=T3)
        assert set(counts(con, key).values()) == {0}
        assert con.execute("SELECT uses FROM company_line_counts").fetchall() == [(4,)]  # the intro's line


def test_postings_moving_to_another_company_take_their_lines_along(tmp_path):
    db = tmp_path / "j.duckdb"
    lexicon = load_lexicon()
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 7)], T1)
        key = analyse(con, lexicon, now=T1).analysis_key
        assert set(counts(con, key).values()) == {0}  # the intro is in 6 of Acme's 6
        store.load_postings(con, [acme(n, company="Beta") for n in range(1, 5)], T2)  # same wording, new company
        stats = analyse(con, lexicon, now=T2)
        assert stats.rematched == 6  # Acme has 2 postings left and Beta 4: neither has boilerplate now
        assert set(counts(con, key).values()) == {1}
        assert con.execute("SELECT uses FROM company_line_counts").fetchall() == [(4,)]  # the intro, at Beta


def test_line_hashes_from_another_duckdb_version_are_made_again(tmp_path):
    db = tmp_path / "j.duckdb"
    tag = "SELECT value FROM analysis_meta WHERE key = 'line_hash'"
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 6)], T1)
        con.execute("UPDATE analysis_meta SET value = 'hash@duckdb-0.9.0' WHERE key = 'line_hash'")
        con.execute("UPDATE posting_lines SET line_hash = 0")  # what another hash function made of them
        store.load_postings(con, [acme(6)], T2)  # hashed by this version: the stored hashes are mixed now
        assert con.execute(tag).fetchall() == [("mixed",)]
        key = analyse(con, load_lexicon(), now=T2).analysis_key
        assert set(counts(con, key).values()) == {0}  # the intro is found in 6 of 6 with every line hashed again
        assert con.execute(tag).fetchall() == [(line_hash_tag(),)]


def test_half_of_a_company_is_enough_and_no_company_is_not_one(tmp_path):
    db = tmp_path / "j.duckdb"
    postings = [acme(n) for n in range(1, 4)] + [acme(n, INTRO.replace("flexible", "kind") + "x") for n in range(4, 7)]
    nameless = [acme(n, company="") for n in range(10, 16)]
    with store.opened(db) as con:
        store.load_postings(con, postings + nameless, T1)
        key = analyse(con, load_lexicon(), now=T1).analysis_key
        got = counts(con, key)
    assert [got[str(n)] for n in range(1, 7)] == [0, 0, 0, 0, 0, 0]  # intro in 6 of 6; 3 of 6 is half
    assert {got[str(n)] for n in range(10, 16)} == {1}  # postings without a company are not one company


def test_a_line_repeated_within_one_posting_counts_once(tmp_path):
    db = tmp_path / "j.duckdb"
    repeats = acme(1, "\n".join(["We are flexible."] * 3))  # 3 times in 1 of 5 postings: not boilerplate
    with store.opened(db) as con:
        store.load_postings(con, [repeats] + [acme(n) for n in range(2, 6)], T1)
        key = analyse(con, load_lexicon(), now=T1).analysis_key
        assert counts(con, key)["1"] == 3  # the intro (in 5 of 5) is left out, the repeated line is not
        assert con.execute("SELECT uses FROM company_line_counts").fetchall() == [(5,)]


def test_the_first_line_count_keeps_exactly_the_pairs_in_three_or_more_postings(tmp_path):
    """The first count finds candidate pairs by sorting; it must equal a plain count of distinct postings."""
    lines = ["Shared by all.", "In three.", "In two.", "Twice here.", "Once."]
    postings = []
    for company in ("Acme", "Beta", "Gamma"):
        for n in range(1, 7):
            text = [lines[0], f"{company} own {n}."]
            text += [lines[1]] if n <= 3 else []
            text += [lines[2]] if n <= 2 else []
            text += [lines[3], lines[3]] if n == 1 else []  # 2 rows, 1 posting: not 3 uses
            text += [lines[4]] if n == 6 else []
            postings.append(Posting("greenhouse", company.lower(), str(n), "Job", "\n".join(text),
                                    datetime(2024, 1, n), company=company))
    with store.opened(tmp_path / "j.duckdb") as con:
        store.load_postings(con, postings, T1)
        analyse(con, load_lexicon(), now=T1)
        got = con.execute("SELECT company_key, line_hash, uses FROM company_line_counts ORDER BY ALL").fetchall()
        expected = con.execute("""SELECT company_key, line_hash, count(DISTINCT posting_id) FROM posting_lines
                                  GROUP BY ALL HAVING count(DISTINCT posting_id) >= 3 ORDER BY ALL""").fetchall()
    assert got == expected and sorted(uses for *_, uses in got) == [3, 3, 3, 6, 6, 6]


def test_source_marked_boilerplate_is_left_out_unless_asked(tmp_path):
    db = tmp_path / "j.duckdb"
    posting = Posting("lever", "x", "1", "Job", "We ship code.", datetime(2024, 1, 1), company="X",
                      boilerplate="We offer flexible hours, inclusive belonging.")
    with store.opened(db) as con:
        store.load_postings(con, [posting], T1)
        plain = analyse(con, load_lexicon(), now=T1)
        assert counts(con, plain.analysis_key) == {"1": 0}
        included = analyse(con, load_lexicon(), include_boilerplate=True, now=T1)
        assert counts(con, included.analysis_key) == {"1": 2}
        assert con.execute("SELECT words FROM posting_analysis WHERE analysis_key = ?",
                           [included.analysis_key]).fetchall() == [(9,)]


def test_views_answer_without_reimplementing_matching(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, [acme(1, "Fast-paced and flexible."), acme(2)], T1)
        analyse(con, load_lexicon(), now=T1)
    with store.opened(db, read_only=True) as con:
        assert con.execute("SELECT month, category, postings, matches FROM monthly_shares").fetchall() == [
            ("2024-01", "hard", 2, 1), ("2024-01", "supportive", 2, 2)]
        assert con.execute("SELECT term, mentions FROM term_matches ORDER BY term").fetchall() == [
            ("fast-paced", 1), ("flexible", 1), ("flexible", 2)]
        assert con.execute("SELECT count(*), sum(words) FROM posting_texts").fetchall() == [(2, 21)]
        assert con.execute("SELECT count(*) FROM posting_categories").fetchall() == [(4,)]


def test_analysis_rolls_back_on_failure(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, [acme(1)], T1)
        con.execute("DROP TABLE term_counts")  # sabotage: the insert fails
        with pytest.raises(Exception):  # noqa: B017 (whatever DuckDB raises, nothing may be half-written)
            analyse(con, load_lexicon(), now=T1)
        assert con.execute("SELECT count(*) FROM posting_analysis").fetchall() == [(0,)]


def test_postings_seen_again_by_one_key_after_another_key_counted_their_lines(tmp_path):
    """The up-to-date shortcut needs the same postings and the same line count: a posting that moved away and
    back while another lexicon ran looks the same, but its company's lines were counted since."""
    db = tmp_path / "j.duckdb"
    lexicon, other = load_lexicon(), parse_lexicon('[[term]]\nname = "ship"\ncategory = "x"\nforms = ["ship"]\n', "o")
    with store.opened(db) as con:
        store.load_postings(con, [acme(n) for n in range(1, 7)], T1)
        key = analyse(con, lexicon, now=T1).analysis_key
        assert analyse(con, lexicon, now=T1).rematched == 0
        store.load_postings(con, [acme(1, company="Beta")], T2)
        analyse(con, other, now=T2)
        store.load_postings(con, [acme(1)], T3)
        analyse(con, other, now=T3)
        assert analyse(con, lexicon, now=T3).rematched == 1  # posting 1's lines were counted since
        assert set(counts(con, key).values()) == {0}
        assert analyse(con, lexicon, now=T3).rematched == 0
