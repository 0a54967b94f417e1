"""Finding board ids in text (scraper/discover.py): every ATS's URL shapes, normalisation and junk.

The excerpts are copied from recorded responses (tests/fixtures and the shared fixtures they came from):
the URL fields of ATS postings, a SmartRecruiters link inside an Indeed page's JSON, HN comment HTML."""

import re

import pytest

from scraper.discover import (
    LINK,
    Candidate,
    candidate_from_url,
    config_key,
    decode,
    find_boards,
)


def boards(text: str) -> list[tuple[str, str]]:
    return [(c.ats, c.token) for c in find_boards(text)]


# (excerpt of a recorded response, the boards it names)
RECORDED = [
    ('"absolute_url": "https://job-boards.greenhouse.io/gitlab/jobs/8503792002"', [("greenhouse", "gitlab")]),
    ("`GET https://boards-api.greenhouse.io/v1/boards/anthropic/jobs?content=true`", [("greenhouse", "anthropic")]),
    ('"hostedUrl": "https://jobs.lever.co/palantir/ac978161-6f46-4f6b-ad9e-a258e642751c"', [("lever", "palantir")]),
    ('"applyUrl":"https://jobs.lever.co/spotify/cc5ccf57-b851-4c25-8840-ed4cd0535c12/apply"', [("lever", "spotify")]),
    ("`GET https://api.lever.co/v0/postings/spotify?mode=json`", [("lever", "spotify")]),
    ('"jobUrl": "https://jobs.ashbyhq.com/ramp/03e2d4e1-73ad-4f09-a058-2eb9ce34c2bc"', [("ashby", "ramp")]),
    ("`GET https://api.ashbyhq.com/posting-api/job-board/ramp?includeCompensation=true`", [("ashby", "ramp")]),
    ("`GET https://apply.workable.com/api/v1/widget/accounts/zaelab?details=true`", [("workable", "zaelab")]),
    ("`POST https://apply.workable.com/api/v3/accounts/huggingface/jobs`", [("workable", "huggingface")]),
    ('"mailbox_email": "job.e4u78@acme.recruitee.com",', [("recruitee", "acme")]),
    ('"postingUrl": "https://jobs.smartrecruiters.com/Visa/744000133907678-sr-manager",', [("smartrecruiters", "Visa")]),
    ('"referralUrl": "https://jobs.smartrecruiters.com/external-referrals/company/Visa/publication/267d47c7-29af"',
     [("smartrecruiters", "Visa")]),
    # links in HN comments of the shared corpus, where an earlier grammar missed or misread them:
    ("https://www.smartrecruiters.com/Square/96291400", [("smartrecruiters", "Square")]),  # before 2018
    ("https://jobs.lever.co/help.com/1b641dfc-f3b9-4557-9a35-e21b307e5783", [("lever", "help.com")]),
    ("https://thales.wd3.myworkdayjobs.com/Careers/job/San-Jose/Principal-Software-Engineer-Linux-Kernal_R0036659",
     [("workday", "thales.wd3/thales/Careers")]),  # a Workday site may be called Careers
    ("https://ciena.wd5.myworkdayjobs.com/en-US/Careers/job/US-MD-Hanover-7031/Cloud-Infrastructure-Architect_R006901-1",
     [("workday", "ciena.wd5/ciena/Careers")]),
    # the path starts with `ni/`, not the company (hn-30167849, 2022-02)
    ("https://jobs.smartrecruiters.com/ni/Shopify/bedf9119-9a23-4fd3-8d8a-7fcbf168eca9-senior-relevance-engineer-search-discovery",
     [("smartrecruiters", "Shopify")]),
    ('"url":"https:\\u002F\\u002Fjobs.smartrecruiters.com\\u002FPaperCutSoftware\\u002F744000143231078-senior-devops-engineer"',
     [("smartrecruiters", "PaperCutSoftware")]),
    ('"externalUrl":"https://gdit.wd5.myworkdayjobs.com/External_Career_Site/job/USA-DC-Washington/Data-Engineer_RQ216675"',
     [("workday", "gdit.wd5/gdit/External_Career_Site")]),
    ('"externalUrl": "https://workday.wd5.myworkdayjobs.com/Workday/job/USAVAReston/Sr-Site-Reliability-Engineer--US-Federal-_JR-0105486"',
     [("workday", "workday.wd5/workday/Workday")]),
    ("`POST gdit.wd5.myworkdayjobs.com/wday/cxs/gdit/External_Career_Site/jobs`",
     [("workday", "gdit.wd5/gdit/External_Career_Site")]),
]


@pytest.mark.parametrize("text, expected", RECORDED)
def test_recorded_links_name_their_boards(text, expected):
    assert boards(text) == expected


def test_hn_comment_html_hides_slashes_behind_entities():
    # the shape of a recorded HN comment (tests/fixtures/hn_algolia), with board links in it
    html = ('Acme | Remote | <a href="https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;acme-ai&#x2F;3f1c?src=hn" '
            'rel="nofollow">https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;acme-ai&#x2F;3f1c?src=hn</a><p>Also '
            '<a href="https:&#x2F;&#x2F;boards.greenhouse.io&#x2F;embed&#x2F;job_board?for=acmeco&amp;b=https%3A%2F%2Facme.com" '
            'rel="nofollow">our board</a>')
    found = find_boards(html)
    assert [(c.ats, c.token) for c in found] == [("ashby", "acme-ai"), ("greenhouse", "acmeco")]
    assert found[0].url == "jobs.ashbyhq.com/acme-ai/3f1c?src=hn"


@pytest.mark.parametrize("text, expected", [
    ("boards.greenhouse.io/acme", ("greenhouse", "acme")),
    ("https://boards.greenhouse.io/embed/job_app?for=Acme&token=4001", ("greenhouse", "acme")),
    ("https://job-boards.eu.greenhouse.io/acme/jobs/42", ("greenhouse", "acme")),
    ("https://boards.greenhouse.io/embed/job_board/js?for=acme", ("greenhouse", "acme")),
    ("Apply at jobs.lever.co/Acme.", ("lever", "Acme")),  # Lever site names are case-sensitive
    ("https://jobs.ashbyhq.com/Acme%20Labs/123", ("ashby", "Acme Labs")),
    ("https://apply.workable.com/ACME/j/ABC123/", ("workable", "acme")),
    ("https://acme.workable.com/jobs/1", ("workable", "acme")),
    ("https://Acme-Co.Recruitee.com/o/engineer", ("recruitee", "acme-co")),
    ("https://careers.smartrecruiters.com/BoschGroup", ("smartrecruiters", "BoschGroup")),
    ("https://NVIDIA.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite/job/x", ("workday", "nvidia.wd5/nvidia/NVIDIAExternalCareerSite")),
    ("https://wd3.myworkdaysite.com/en-US/recruiting/acme/Acme_Careers/job/1", ("workday", "wd3.myworkdaysite.com/acme/Acme_Careers")),
    ("https:\\/\\/jobs.lever.co\\/acme\\/1", ("lever", "acme")),
    ("https%3A%2F%2Fjobs.lever.co%2Facme%2F1", ("lever", "acme")),
])
def test_normalised(text, expected):
    assert boards(text) == [expected]


def test_lever_eu_links_carry_the_eu_option():
    [found] = find_boards("https://jobs.eu.lever.co/mistral/1234")
    assert (found.ats, found.token, found.eu) == ("lever", "mistral", True)


@pytest.mark.parametrize("text", [
    "boards.greenhouse.io/embed", "https://boards.greenhouse.io/jobs", "https://job-boards.greenhouse.io/careers",
    "https://boards-api.greenhouse.io/v1/boards/", "jobs.lever.co/api", "https://jobs.ashbyhq.com/api/x",
    '"url": "https://apply.workable.com/j/DD136DD7E7"',  # a shortlink names no account (recorded, zaelab)
    "https://www.workable.com/", "https://resources.workable.com/x", "https://www.recruitee.com/en",
    "https://app.recruitee.com/login", "https://jobs.smartrecruiters.com/oneclick-ui/company/", "https://jobs.lever.co/12345",
    "https://jobs.smartrecruiters.com/ni/", "https://www.smartrecruiters.com/", "https://www.smartrecruiters.com/customers/",
    "https://acme.wd1.myworkdayjobs.com/job/x", "https://www.workable.com/j/9A06A2D028",
    "https://acme.wd1.myworkdayjobs.com/en-US/", "https://acme.wd1.myworkdayjobs.com/wday/cxs/acme",
    "https://jobs.ashbyhq.com/averylongcompanyn...", "https://jobs.ashbyhq.com/averylongcompanyn\u2026",
    "https://greenhouse.io/acme", "lever.co is nice", "recruitee.com",
])
def test_junk_is_never_a_board(text):
    assert boards(text) == []


def test_one_board_once_per_text_first_url_kept():
    found = find_boards("jobs.lever.co/acme/1 and https://jobs.lever.co/acme/2 and jobs.lever.co/other")
    assert [(c.token, c.url) for c in found] == [("acme", "jobs.lever.co/acme/1"), ("other", "jobs.lever.co/other")]


def test_links_are_read_back_by_the_rules():
    text = decode("see https:&#x2F;&#x2F;jobs.lever.co&#x2F;acme&#x2F;1 or apply.workable.com/j/AB1")
    links = [m.group(0) for m in re.finditer(LINK, text, re.ASCII)]
    assert links == ["jobs.lever.co/acme/1", "apply.workable.com/j/AB1"]
    assert [candidate_from_url(link) for link in links] == [Candidate("lever", "acme", "jobs.lever.co/acme/1"), None]


def test_configured_boards_compare_without_case_and_workday_urls_as_tokens():
    assert config_key("smartrecruiters", "Visa") == config_key("smartrecruiters", "visa")
    url = "https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite"
    assert config_key("workday", url) == config_key("workday", "nvidia.wd5/nvidia/NVIDIAExternalCareerSite")
    assert config_key("workday", "nvidia.wd5.myworkdayjobs.com/nvidia/NVIDIAExternalCareerSite") == \
        config_key("workday", "nvidia.wd5/nvidia/NVIDIAExternalCareerSite")
