"""HTML → text keeps every word; Unicode is normalised and mojibake repaired."""

import pytest

from scraper.text import (
    html_to_text,
    html_to_text_and_aside,
    normalize,
    printable,
    repair_mojibake,
    unescaped_html_to_text,
)


@pytest.mark.parametrize("markup, expected", [
    ("<ul><li>a</li><li>flexible</li></ul>", "a\nflexible"),
    ("<p>one</p><p>two</p>", "one\ntwo"),
    ("line<br>break<br/>again", "line\nbreak\nagain"),
    ("<div>fast</div><div>paced</div>", "fast\npaced"),
    ("x&amp;y&nbsp;z &#x27;q&#x27;", "x&y z 'q'"),
    ("<p>keep <b>inline</b> <i>words</i> together</p>", "keep inline words together"),
    ("<script>var flexible = 1;</script><style>p{}</style>text", "text"),
    ("<p>unclosed<p>paragraphs", "unclosed\nparagraphs"),
    ("", ""),
    (None, ""),
])
def test_html_to_text(markup, expected):
    assert html_to_text(markup) == expected


def test_escaped_html_is_unescaped_once():
    assert unescaped_html_to_text("&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt;&lt;li&gt;flexible&lt;/li&gt;") == "Tom & Jerry\nflexible"


@pytest.mark.parametrize("bad, good", [
    ("hustleâ€™s", "hustle’s"),
    ("caf\u00c3\u00a9", "café"),
    ("we\u00e2\u0080\u0099re", "we’re"),
    ("plain text, naïve café", "plain text, naïve café"),
])
def test_repair_mojibake(bad, good):
    assert repair_mojibake(bad) == good


def test_nfkc_folds_ligatures_and_spaces():
    assert normalize("\ufb02exible\u00a0hours  \t here") == "flexible hours here"


def test_aside_blocks_are_split_out_in_the_same_pass():
    markup = ('<div class="content-intro"><p>About us</p><div><p>flexible hours</p></div></div>'
              '<p>The role</p><div class="x content-conclusion">EEO</div><p>Apply</p>')
    text, aside = html_to_text_and_aside(markup, frozenset({"content-intro", "content-conclusion"}))
    assert text == "The role\nApply"
    assert aside == "About us\nflexible hours\nEEO"
    assert html_to_text_and_aside(markup) == (html_to_text(markup), "")


def test_printable_escapes_terminal_controls_only():
    assert printable("red\x1b[31m\x07 é\u2028x") == "red\\x1b[31m\\x07 é\\u2028x"
