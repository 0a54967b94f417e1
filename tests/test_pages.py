"""`[[page]]` career pages end to end: a job page, a listing with a `links` pattern, robots.txt, removal."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from e2e import jobtone, query, write_config
from replay import Reply
from scraper.config import config_from_dict
from scraper.errors import ConfigError, ParseError
from scraper.sources import pages
from scraper.sources.base import Board

ROBOTS = "User-agent: *\nDisallow: /private/\n\nUser-agent: otherbot\nDisallow: /\n"


def job_page(title: str, extra: str = "", broken: str = "") -> str:
    block = (f'{{"@context": "https://schema.org", "@type": "JobPosting", "title": "{title}", '
             f'"description": "<p>{title}: flexible hours</p><ul><li>Python</li></ul>", "datePosted": "2024-05-0{len(title) % 9 + 1}",'
             f' "hiringOrganization": {{"@type": "Organization", "name": "Acme Inc."}}{extra}}}')
    broken_block = f'<script type="application/ld+json">{broken}</script>' if broken else ""
    return f'<html><head>{broken_block}<script type="application/ld+json">{block}</script></head><body></body></html>'


def listing(*hrefs: str) -> str:
    return "<html><body>" + "".join(f'<a href="{h}">job</a>' for h in hrefs) + "</body></html>"


def html(text: str) -> Reply:
    return Reply.text(text, content_type="text/html; charset=utf-8")


def page_entry(url: str, **options: str) -> str:
    lines = [f'url = "{url}"'] + [f"{k} = '{v}'" for k, v in options.items()]  # TOML literal strings: regexes as written
    return "[[page]]\n" + "\n".join(lines) + "\n"


def serve_site(server) -> None:
    server.route("/robots.txt", Reply.text(ROBOTS))
    server.route("/viewjob", Reply.file("jsonld_html/indeed_au_viewjob.html", content_type="text/html"))
    server.route("/careers", html(listing("/jobs/1", "jobs/2", "/jobs/1#apply", "/private/jobs/3", "/about",
                                          "/jobs/gone", "mailto:jobs@example.com")))
    server.route("/jobs/1", html(job_page("Backend Engineer", ', "identifier": {"@type": "PropertyValue", "value": "BE-1"}',
                                          broken='{"@type": "JobPosting", "title": "oops" "x"}')))
    server.route("/jobs/2", html(job_page("Data Analyst")))


def test_job_page_and_listing(tmp_path, server):
    serve_site(server)
    entries = page_entry(f"{server.url}/viewjob") + page_entry(f"{server.url}/careers", links=r"/jobs/", company="Acme")
    config = write_config(tmp_path, server.url, extra=entries)
    code, _, err = jobtone("--config", str(config), "scrape")
    assert code == 0, err
    rows = query(tmp_path / "jobtone.duckdb", """SELECT board, external_id, company, title, posted_at, date_source, location, url
                                                 FROM postings ORDER BY title""")
    careers = f"{server.url}/careers"
    host = server.url.split("//", 1)[1]
    assert rows == [
        (careers, "BE-1", "Acme", "Backend Engineer", datetime(2024, 5, 8), "datePosted", "", f"{server.url}/jobs/1"),
        (careers, f"{host}/jobs/2", "Acme", "Data Analyst", datetime(2024, 5, 4), "datePosted", "", f"{server.url}/jobs/2"),
        (f"{server.url}/viewjob", "au.indeed.com/viewjob?jk=54f1f8af68d722d2", "PaperCut Software", "Senior DevOps Engineer",
         datetime(2026, 8, 6, 7, 39, 35, 941000), "datePosted", "Camberwell, VIC, AU",
         "https://au.indeed.com/viewjob?jk=54f1f8af68d722d2"),
    ]
    assert server.hits("/private/jobs/3") == 0 and server.hits("/about") == 0  # robots.txt; not a job link
    assert server.hits("/jobs/1") == 1 and server.hits("/robots.txt") == 1  # one robots.txt read per site and run
    assert server.hits("/jobs/gone") == 1  # 404: skipped, not a failure
    assert "invalid JSON-LD" in err and "/jobs/1" in err  # the broken block is recorded, the page still counts


def test_jobs_gone_from_the_listing_are_marked_removed(tmp_path, server):
    serve_site(server)
    config = write_config(tmp_path, server.url, extra=page_entry(f"{server.url}/careers", links=r"/jobs/\d+$"))
    assert jobtone("--config", str(config), "scrape")[0] == 0
    server.route("/careers", html(listing("/jobs/1")))
    assert jobtone("--config", str(config), "scrape")[0] == 0
    assert query(tmp_path / "jobtone.duckdb", "SELECT title, removed_at IS NOT NULL FROM postings ORDER BY 1") == [
        ("Backend Engineer", False), ("Data Analyst", True)]


def test_a_page_robots_txt_disallows_fails_clearly(tmp_path, server):
    serve_site(server)
    server.route("/private/job", html(job_page("Secret")))
    config = write_config(tmp_path, server.url, extra=page_entry(f"{server.url}/private/job"))
    code, _, err = jobtone("--config", str(config), "scrape")
    assert code == 1 and "robots.txt disallows this page" in err
    assert server.hits("/private/job") == 0


def test_no_robots_txt_means_no_rules_but_an_unreachable_one_means_keep_out(tmp_path, server):
    server.route("/job", html(job_page("Open")))  # no /robots.txt route: the replay server answers 404
    config = write_config(tmp_path, server.url, extra=page_entry(f"{server.url}/job"))
    assert jobtone("--config", str(config), "scrape")[0] == 0
    server.route("/robots.txt", Reply(503))
    code, _, err = jobtone("--config", str(config), "scrape")
    assert code == 1 and "robots.txt could not be read" in err


def test_job_links_are_absolute_unique_and_matching():
    links = pages.job_links(listing("/jobs/1", "jobs/2?src=list", "/jobs/1#top", "https://other.example/jobs/9", "/team"),
                            "https://acme.example/careers/", re.compile(r"/jobs/"))
    assert links == ["https://acme.example/jobs/1", "https://acme.example/careers/jobs/2?src=list",
                     "https://other.example/jobs/9"]


@pytest.mark.parametrize("url, key", [
    ("http://Acme.example:80/jobs/1", "acme.example/jobs/1"),
    ("https://acme.example/jobs/1#apply", "acme.example/jobs/1"),
    ("https://acme.example:8443/jobs?id=3", "acme.example:8443/jobs?id=3"),
    ("https://acme.example", "acme.example/"),
])
def test_page_key(url, key):
    assert pages.page_key(url) == key


def test_page_entries_become_boards_and_bad_ones_are_config_errors():
    config = config_from_dict({"page": [{"url": "https://acme.example/careers", "links": "/jobs/", "company": "Acme"}]})
    assert config.boards == (Board("page", "https://acme.example/careers", "Acme", {"links": "/jobs/"}),)
    for entry in ({"links": "x"}, {"url": "ftp://acme.example"}, "https://acme.example"):
        with pytest.raises(ConfigError):
            config_from_dict({"page": [entry]})
    with pytest.raises(ConfigError):
        pages.link_pattern(Board("page", "https://acme.example", options={"links": "(["}))


def test_parse_needs_a_page_document():
    with pytest.raises(ParseError):
        pages.parse({"url": "https://acme.example"}, Board("page", "https://acme.example"))
