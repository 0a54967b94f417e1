"""schema.org JobPosting JSON-LD: the recorded Indeed page, and the shapes and breakage real pages carry."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay import fixture_bytes
from scraper.errors import ParseError
from scraper.sources import jsonld

INDEED = fixture_bytes("jsonld_html/indeed_au_viewjob.html").decode("utf-8")


def page(*blocks: str, head: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return f"<html><head>{head}{scripts}</head><body><p>Apply now</p></body></html>"


def test_recorded_indeed_page():
    found = jsonld.extract(INDEED)
    assert (found.blocks, found.skipped, found.canonical) == (1, [], "https://au.indeed.com/viewjob?jk=54f1f8af68d722d2")
    [job] = found.postings
    assert job.title == "Senior DevOps Engineer"
    assert job.date_posted == datetime(2026, 8, 6, 7, 39, 35, 941000)
    assert job.valid_through == datetime(2026, 12, 12, 9, 37, 46, 463000)
    assert job.organization == "PaperCut Software"
    assert job.location == "Camberwell, VIC, AU"
    assert job.employment_types == ("FULL_TIME",)
    assert (job.identifier, job.url) == ("", "")
    assert job.text.startswith("Company Description\nAt PaperCut, we believe two things: great code can change the world,")
    assert "Build the Foundation: You’re responsible for building and maintaining" in job.text
    assert "<b>" not in job.text and len(job.text.split()) > 500
    assert job.raw["baseSalary"]["value"]["maxValue"] == 160000


def test_object_list_and_graph_with_list_types():
    found = jsonld.extract(page(
        '{"@context": "https://schema.org", "@type": "WebPage", "name": "Careers"}',
        '[{"@type": "BreadcrumbList"}, {"@type": ["JobPosting", "Thing"], "title": "Listed", "description": "<p>a</p>"}]',
        '{"@context": "https://schema.org", "@graph": [{"@type": "Organization", "name": "Acme"},'
        ' {"@type": "schema:JobPosting", "title": "In graph", "identifier": {"@type": "PropertyValue", "value": "R-12"},'
        ' "employmentType": "FULL_TIME, CONTRACTOR", "hiringOrganization": "Acme Ltd", "datePosted": "2024-03-05",'
        ' "jobLocationType": "TELECOMMUTE"}]}',
    ))
    assert found.skipped == [] and found.blocks == 3
    assert [(j.title, j.identifier, j.employment_types, j.organization, j.location, j.date_posted) for j in found.postings] == [
        ("Listed", "", (), "", "", None),
        ("In graph", "R-12", ("FULL_TIME", "CONTRACTOR"), "Acme Ltd", "Remote", datetime(2024, 3, 5)),
    ]


@pytest.mark.parametrize("block, reason", [
    ('{"@type": "JobPosting", "title": "Trailing", "description": "x",}', None),
    ('{"@type": "JobPosting", // a comment\n "title": "Commented", /* and another */ "description": "x"}', None),
    ('{"@type": "JobPosting", "title": "Raw\tcontrol\ncharacters", "description": "line one\nline two"}', None),
    ('<!--\n{"@type": "JobPosting", "title": "Wrapped", "description": "x"}\n-->', None),
    ('//<![CDATA[\n{"@type": "JobPosting", "title": "CDATA", "description": "x"}\n//]]>', None),
    ('{"@type": "JobPosting", "title": "Unescaped "quotes" inside", "description": "x"}', "invalid JSON-LD"),
    ('{"@type": "JobPosting", "title": "Extra brace", "description": "x"}};', None),
    ('{"@type": "JobPosting", "title": "Two values"} {"@type": "JobPosting"}', "invalid JSON-LD"),
    ('{"@type": "JobPosting"}', "without title or description"),
])
def test_malformed_blocks_are_repaired_or_skipped_and_recorded(block, reason):
    good = '{"@type": "JobPosting", "title": "Good one", "description": "<p>fine</p>"}'
    found = jsonld.extract(page(block, good))
    titles = [j.title for j in found.postings]
    if reason is None:
        assert len(titles) == 2 and titles[1] == "Good one" and found.skipped == []
    else:
        assert titles == ["Good one"]
        assert len(found.skipped) == 1 and found.skipped[0].startswith("block 1: ") and reason in found.skipped[0]


def test_urls_inside_strings_survive_comment_stripping():
    block = '{"@type": "JobPosting", "title": "T", "url": "https://example.com/jobs/1", // note\n "description": "x",}'
    [job] = jsonld.extract(page(block)).postings
    assert job.url == "https://example.com/jobs/1"


def test_escaped_and_raw_html_descriptions():
    escaped = '{"@type": "JobPosting", "title": "E", "description": "&lt;p&gt;Flexible hours&lt;/p&gt;&lt;ul&gt;&lt;li&gt;Remote&lt;/li&gt;&lt;/ul&gt;"}'
    raw = '{"@type": "JobPosting", "title": "R", "description": "<p>Use &lt;div&gt; tags</p><p>Second</p>"}'
    texts = [j.text for j in jsonld.extract(page(escaped, raw)).postings]
    assert texts == ["Flexible hours\nRemote", "Use <div> tags\nSecond"]


def test_locations_and_dates_in_other_shapes():
    block = ('{"@type": "JobPosting", "title": "L", "datePosted": "March 4, 2024", "validThrough": "2024-06-01T00:00:00+02:00",'
             ' "jobLocation": [{"@type": "Place", "address": {"addressLocality": "Berlin", "addressCountry": {"@type": "Country", "name": "DE"}}},'
             ' {"@type": "Place", "address": "Remote, EU"}, {"@type": "Place", "address": {"addressLocality": "Berlin", "addressCountry": {"name": "DE"}}}]}')
    [job] = jsonld.extract(page(block)).postings
    assert job.location == "Berlin, DE; Remote, EU"
    assert (job.date_posted, job.valid_through) == (datetime(2024, 3, 4), datetime(2024, 5, 31, 22, 0))


def test_script_type_is_matched_case_insensitively_with_parameters():
    html = ('<script type="Application/LD+JSON; charset=utf-8">{"@type": "JobPosting", "title": "Case"}</script>'
            '<script type="application/json">{"@type": "JobPosting", "title": "Not JSON-LD"}</script>')
    assert [j.title for j in jsonld.extract(html).postings] == ["Case"]


def test_no_json_ld_at_all():
    assert jsonld.extract("<html><body>No markup</body></html>") == jsonld.Extracted([], [], 0, "")


def test_not_text_is_a_parse_error():
    with pytest.raises(ParseError):
        jsonld.extract(None)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from(["@type", "@graph", "title", "description", "datePosted",
                                                       "hiringOrganization", "jobLocation", "employmentType",
                                                       "identifier", "address", "name", "value"]), children, max_size=5),
                    max_leaves=20))
def test_any_json_shape_never_raises_anything_but_parse_error(value):
    for data in (value, {"@type": "JobPosting", "title": "x", "jobLocation": value, "identifier": value,
                         "hiringOrganization": value, "employmentType": value, "description": value}):
        try:
            jsonld.extract(page(json.dumps(data)))
        except ParseError:
            pass
