"""What each route to the 2022 study's ten companies covers: plain data for `jobtone sources` and the README.

Every route gives currently open postings only; history for 2019-2022 could come only from Wayback
Machine captures of the same endpoints, and none is confirmed (see `wayback` per route). Facts and
request counts are from the shared reference on big-tech career sites (bigtech.md, mid-2026 counts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RouteCoverage:
    """What one source route gives: wording, a posting date, the requests it costs, and history."""

    source: str  # the `ats` name; "" when there is no route
    route: str
    text: str  # where the wording comes from ("" = none)
    posted_date: str  # the field stored as posted_at ("" = none)
    detail_requests: bool  # one extra request per new or changed posting
    wayback: str  # whether the Wayback Machine holds this route's history
    full_crawl: str  # requests one full crawl takes


@dataclass(frozen=True)
class StudyCompany:
    """One company of the study and the board(s) that cover it in the default config."""

    company: str
    source: str  # key into ROUTES
    boards: str  # the default config's token(s) and options
    note: str = ""


UNCHECKED = "unconfirmed: check a CDX query before relying on it"

ROUTES: dict[str, RouteCoverage] = {
    "amazon": RouteCoverage(
        "amazon", "GET www.amazon.jobs/en/search.json, sliced by business_category (then country)",
        "full HTML text in the list (EEO paragraphs kept as boilerplate)", "posted_date (a day)", False,
        UNCHECKED + " (amazon.jobs/en/search.json)", "1 facet request + 261 pages of 100 (22,348 jobs, 2026-07)"),
    "eightfold": RouteCoverage(
        "eightfold", "Eightfold: PCSX search + position_details (Microsoft); apply/v2 list + detail (Netflix)",
        "HTML from one detail request per posting (pay/EEO paragraphs kept as boilerplate)",
        "postedTs (Microsoft) / t_create (Netflix), Unix seconds", True, UNCHECKED,
        "Microsoft ~226 pages of 10 + 1 per new/changed posting (2,253); Netflix ~48 pages + 1 per posting (~476)"),
    "apple": RouteCoverage(
        "apple", "CSRF token, POST /api/v1/search (one row per location), GET /api/v1/jobDetails/{id}",
        "plain text from one detail request per position", "postDateInGMT (UTC time)", True,
        UNCHECKED + " (the old /api/role/search is dead)",
        "1 token + ~307 pages of 20 (6,124 US rows) + 1 per new/changed position"),
    "workday": RouteCoverage(
        "workday", "POST /wday/cxs/{tenant}/{site}/jobs (split by facet past 2,000) + GET the job detail",
        "HTML from one detail request per posting", "startDate from the detail (a day; never `postedOn`)", True,
        UNCHECKED, "total/20 pages (+1 per facet part) + 1 per new/changed posting"),
    "google": RouteCoverage(
        "google", "HTML results pages, embedded AF_initDataCallback ds:1 blob (positional arrays)",
        "HTML fields [10]+[3]+[4] in the list ([15] as boilerplate)", "[12] timestamp (meaning unconfirmed)",
        False, UNCHECKED + " (the old careers.google.com/api/v3 is dead)", "~200 pages of 20 (3,984 jobs, 2026-08)"),
    "greenhouse": RouteCoverage(
        "greenhouse", "GET boards-api.greenhouse.io/v1/boards/{token}/jobs?content=true",
        "full HTML text in the list", "first_published", False, UNCHECKED, "1 request per board"),
    "meta": RouteCoverage(
        "", "no dependable plain-HTTP route; use `jobtone import` with a user-supplied export",
        "", "", False, "", "(its pages refuse non-browser clients: HTTP 400)"),
}

STUDY_COMPANIES: tuple[StudyCompany, ...] = (
    StudyCompany("Amazon", "amazon", "amazon"),
    StudyCompany("Microsoft", "eightfold", "apply.careers.microsoft.com (flavour pcsx, domain microsoft.com)"),
    StudyCompany("Netflix", "eightfold", "explore.jobs.netflix.net (flavour apply_v2, domain netflix.com)"),
    StudyCompany("Apple", "apple", "apple"),
    StudyCompany("Google", "google", "google"),
    StudyCompany("Zoom", "workday", "zoom.wd5/zoom/Zoom"),
    StudyCompany("Airbnb", "greenhouse", "airbnb"),
    StudyCompany("Square", "greenhouse", 'block, metadata "Business Unit" = "Square"',
                 "Block's board filtered to its Square business unit"),
    StudyCompany("Twitter / X", "greenhouse", "xai",
                 "the board mixes xAI, X-platform and SpaceX-branded roles; no clean Twitter subset"),
    StudyCompany("Facebook / Meta", "meta", "",
                 "metacareers.com answers HTTP 400 to non-browser clients; not scheduled"),
)

# Workday tenants the default config adds beside the study's Zoom (big-tech comparison boards).
EXTRA_WORKDAY_BOARDS = (
    "nvidia.wd5/nvidia/NVIDIAExternalCareerSite",
    "salesforce.wd12/salesforce/External_Career_Site",
    "adobe.wd5/adobe/external_experienced",
)
