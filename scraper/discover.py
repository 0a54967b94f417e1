"""Board ids named in text: which public ATS boards a posting links to (pure: no I/O, no clock).

One table, RULES, holds the URL grammar of every ATS jobtone reads: each rule is a regular expression
written in the subset that Python's `re` and DuckDB's RE2 read alike. All of them joined (LINK) find the
links, in SQL over millions of postings (`scraper/discovery_store.py`) or in one text (`find_boards`), and
`candidate_from_url` reads each link the same way for both.
Before matching, the escapes that hide slashes in stored text are undone (DECODINGS: HN comment HTML
writes `https:&#x2F;&#x2F;…`, JSON in pages writes `\\u002F` or `\\/`, redirect links `%2F`).

A match becomes a board by its ATS's normaliser: the token is URL-decoded, lower-cased where the ATS
ignores case (host names, Greenhouse, Workable), and rejected when it is a path word and not a company
(`embed`, `jobs`, `careers`, `api`, a Recruitee subdomain `www`, …) or a link that HN cut short (`…`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

# Escapes undone before matching, in this order (the SQL scan applies the same list with replace()).
DECODINGS: tuple[tuple[str, str], ...] = (
    ("&amp;", "&"), ("&#x2F;", "/"), ("&#x2f;", "/"), ("&#47;", "/"), ("\\u002F", "/"), ("\\u002f", "/"),
    ("\\/", "/"), ("%2F", "/"), ("%2f", "/"), ("&#x3D;", "="), ("\\u0026", "&"), ("&#x27;", "'"), ("&quot;", '"'),
)

# Hosts of every rule below: a cheap filter before the rules run (SQL) — a row without one links no board.
HOSTS = r"(?i)greenhouse\.io|lever\.co|ashbyhq\.com|workable\.com|recruitee\.com|smartrecruiters\.com|myworkday(?:jobs|site)\.com"

_TOKEN = r"([A-Za-z0-9_-]+)"
_DOTTED = r"([A-Za-z0-9_.%-]+)"  # Ashby, Lever (`help.com`) and SmartRecruiters names may hold dots or %-escapes
# The rest of the URL, kept as evidence; an ellipsis right after a token marks a link HN cut short.
# ("…" is written as itself: RE2 and Python spell its escape differently.)
_REST = r"(?:[/?#&][^\s\"'<>\\]*|\.\.\.|" + "\u2026" + ")?"
_SUB = r"\b([A-Za-z0-9-]+)"  # a company subdomain


WORKDAY_JOBS = r"\b(?i:([a-z0-9-]+)\.(wd\d+)\.myworkdayjobs\.com)((?:/[A-Za-z0-9_-]+){1,4})" + _REST
WORKDAY_SITE = (r"\b(?i:(wd\d+)\.myworkdaysite\.com)/(?:[a-z]{2}(?:-[A-Za-z]{2})?/)?recruiting/"
                + _TOKEN + "/" + _TOKEN + _REST)


@dataclass(frozen=True)
class Rule:
    """One URL shape: `pattern`'s groups are read by the ATS's normaliser (NORMALISERS)."""

    ats: str
    shape: str  # the shape, for humans
    pattern: str

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


RULES: tuple[Rule, ...] = (
    Rule("greenhouse", "boards.greenhouse.io/embed/job_board?for=TOKEN",
         r"(?i:(?:job-)?boards(?:\.eu)?\.greenhouse\.io/embed/job_(?:board|app)(?:/js)?)\?(?:[^&\s\"'<>#]*&)*for=" + _TOKEN + _REST),
    Rule("greenhouse", "boards.greenhouse.io/TOKEN, job-boards(.eu).greenhouse.io/TOKEN/jobs/ID",
         r"(?i:(?:job-)?boards(?:\.eu)?\.greenhouse\.io)/" + _TOKEN + _REST),
    Rule("greenhouse", "boards-api.greenhouse.io/v1/boards/TOKEN/jobs",
         r"(?i:(?:boards-)?api\.greenhouse\.io/v1/boards)/" + _TOKEN + _REST),
    Rule("lever", "jobs(.eu).lever.co/TOKEN/ID", r"(?i:jobs(\.eu)?\.lever\.co)/" + _DOTTED + _REST),
    Rule("lever", "api(.eu).lever.co/v0/postings/TOKEN", r"(?i:api(\.eu)?\.lever\.co/v0/postings)/" + _TOKEN + _REST),
    Rule("ashby", "jobs.ashbyhq.com/TOKEN/ID", r"(?i:jobs\.ashbyhq\.com)/" + _DOTTED + _REST),
    Rule("ashby", "api.ashbyhq.com/posting-api/job-board/TOKEN",
         r"(?i:api\.ashbyhq\.com/posting-api/job-board)/" + _DOTTED + _REST),
    Rule("workable", "apply.workable.com/TOKEN/, apply.workable.com/api/v1/widget/accounts/TOKEN",
         r"(?i:apply\.workable\.com)/(?:api/v\d/(?:widget/)?accounts/)?" + _TOKEN + _REST),
    Rule("workable", "www.workable.com/api/accounts/TOKEN", r"(?i:www\.workable\.com/api/accounts)/" + _TOKEN + _REST),
    Rule("workable", "TOKEN.workable.com (the old account pages)", _SUB + r"(?i:\.workable\.com)" + _REST),
    Rule("recruitee", "TOKEN.recruitee.com", _SUB + r"(?i:\.recruitee\.com)" + _REST),
    Rule("smartrecruiters", "jobs.smartrecruiters.com/[ni/]TOKEN/ID, careers.smartrecruiters.com/TOKEN, "
         "www.smartrecruiters.com/TOKEN/ID (before 2018)",
         r"(?i:(?:jobs|careers|www)\.smartrecruiters\.com)/(?:(?:oneclick-ui|external-referrals)/company/|ni/)?"
         + _DOTTED + _REST),
    Rule("smartrecruiters", "api.smartrecruiters.com/v1/companies/TOKEN",
         r"(?i:api\.smartrecruiters\.com/v1/companies)/" + _DOTTED + _REST),
    Rule("workday", "TENANT.wdN.myworkdayjobs.com/[locale/]SITE/…, …/wday/cxs/TENANT/SITE", WORKDAY_JOBS),
    Rule("workday", "wdN.myworkdaysite.com/[locale/]recruiting/TENANT/SITE", WORKDAY_SITE),
)

# Any link of any rule, in one expression: one pass over a text (5x faster in DuckDB than a pass per rule).
# At one position the earlier rule wins, so the specific shapes come first in RULES.
LINK = "|".join(f"(?:{rule.pattern})" for rule in RULES)

# Path words and subdomains that name a page or a service of the ATS, never a company.
JUNK = frozenset("""
    embed jobs job careers career api apis v0 v1 v2 v3 www www2 app apps boards board apply application
    static assets images img css js cdn media files favicon.ico robots.txt sitemap sitemap.xml login signin
    signup sign_in sign_up logout search home about privacy terms legal help support blog docs status
    company companies postings posting job-board job_board job_app en us de fr mail email admin account
    accounts developers developer partners partner integrations marketplace resources news events webinars
    demo pricing features product oneclick-ui external-referrals ni sr-jobs j p wday cxs recruiting
    customers solutions platform why-smartrecruiters contact contact-us
    example yourcompany your-company companyname company-name token null undefined none
""".split())
# A Workday site is the tenant's own name for its careers site: "Careers" or "External" are real ones.
WORKDAY_JUNK = frozenset({"wday", "cxs", "job", "jobs", "details", "apply", "login", "userhome"})
CUT_SHORT = ("...", "\u2026")  # HN shortens long link texts with an ellipsis
LOCALE = re.compile(r"^[a-z]{2}(?:-[A-Za-z]{2})?$")


@dataclass(frozen=True)
class Candidate:
    """A board named in a text: the ATS, its token as `[[board]]` would hold it, and the URL it came from."""

    ats: str
    token: str
    url: str
    eu: bool = False  # a Lever board on the EU host (board option `eu = true`)

    @property
    def key(self) -> str:
        return f"{self.ats}:{self.token}"


def decode(text: str) -> str:
    """Undo the escapes (DECODINGS) that hide the slashes of links in stored text."""
    for old, new in DECODINGS:
        text = text.replace(old, new)
    return text


def find_boards(text: str) -> list[Candidate]:
    """Every board a text links to, once each (first URL kept), in order of appearance."""
    found: dict[str, Candidate] = {}
    for link in _compiled(LINK).finditer(decode(text)):
        candidate = candidate_from_url(link.group(0))
        if candidate is not None:
            found.setdefault(candidate.key, candidate)
    return list(found.values())


def candidate_from_url(url: str) -> Candidate | None:
    """The board a link names (a match of LINK, as the SQL scan returns it): the first rule whose
    normaliser accepts it; None when it is junk."""
    for rule in RULES:
        match = rule.regex.match(url)
        candidate = NORMALISERS[rule.ats](match) if match else None
        if candidate is not None:
            return candidate
    return None


def config_key(ats: str, token: str) -> str:
    """How a configured board compares with a discovered one: tokens of every ATS compared without case
    (a Workday token in URL form is brought to HOST/TENANT/SITE first)."""
    if ats == "workday":
        token = _workday_config_token(token)
    return f"{ats}:{token.lower()}"


# -- normalisers: a match → Candidate or None --------------------------------------------------------

def _clean(raw: str) -> str:
    return unquote(raw).strip().rstrip(".-_%")


def _evidence_url(match: re.Match[str]) -> str:
    return match.group(0).rstrip(".,;:!?)]}'\"")


def _is_company(token: str, url: str, raw: str) -> bool:
    if len(token) < 2 or len(token) > 80 or token.lower() in JUNK or token.isdigit():
        return False
    # "jobs.ashbyhq.com/longcompa..." was cut inside the token: what is left names nothing
    return not (url.endswith(CUT_SHORT) and url.rstrip(".\u2026").endswith(raw.rstrip(".")))


def _simple(ats: str, lower: bool, group: int = 1) -> Callable[[re.Match[str]], Candidate | None]:
    def normalise(match: re.Match[str]) -> Candidate | None:
        raw = match.group(group)
        token, url = _clean(raw), _evidence_url(match)
        token = token.lower() if lower else token
        return Candidate(ats, token, url) if _is_company(token, match.group(0), raw) else None
    return normalise


def _lever(match: re.Match[str]) -> Candidate | None:
    raw = match.group(2)
    token = _clean(raw)  # Lever site names are case-sensitive: kept as written
    if not _is_company(token, match.group(0), raw):
        return None
    return Candidate("lever", token, _evidence_url(match), eu=bool(match.group(1)))


def _workday(match: re.Match[str]) -> Candidate | None:
    if match.re.pattern == WORKDAY_SITE:  # wdN.myworkdaysite.com/recruiting/TENANT/SITE
        host, tenant, site = f"{match.group(1).lower()}.myworkdaysite.com", match.group(2).lower(), match.group(3)
    else:
        tenant, shard = match.group(1).lower(), match.group(2).lower()
        host, site = f"{tenant}.{shard}", _workday_site(match.group(3).split("/")[1:])
        if site and "/" in site:  # the CXS API path names its own tenant
            tenant, site = site.split("/")
    if not site or site.lower() in WORKDAY_JUNK or not _is_company(tenant, match.group(0), tenant):
        return None
    return Candidate("workday", f"{host}/{tenant}/{site}", _evidence_url(match))


def _workday_site(segments: list[str]) -> str | None:
    """The site of a careers path: `[locale/]SITE/…`, or `TENANT/SITE` from `wday/cxs/TENANT/SITE`."""
    if segments[:2] == ["wday", "cxs"]:
        return "/".join(segments[2:4]) if len(segments) >= 4 else None
    if segments and LOCALE.match(segments[0]):
        segments = segments[1:]
    return segments[0] if segments else None


def _workday_config_token(token: str) -> str:
    """A configured Workday token (HOST/TENANT/SITE or careers URL) in the form discovery writes."""
    match = _compiled(WORKDAY_JOBS).search(token) if token.startswith(("http://", "https://")) else None
    if match:
        candidate = _workday(match)
        return candidate.token if candidate else token
    return token.replace(".myworkdayjobs.com/", "/")


NORMALISERS: dict[str, Callable[[re.Match[str]], Candidate | None]] = {
    "greenhouse": _simple("greenhouse", lower=True),
    "lever": _lever,
    "ashby": _simple("ashby", lower=False),
    "workable": _simple("workable", lower=True),
    "recruitee": _simple("recruitee", lower=True),
    "smartrecruiters": _simple("smartrecruiters", lower=False),
    "workday": _workday,
}

_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    # re.ASCII: \b and character classes as RE2 reads them in the SQL scan
    if pattern not in _CACHE:
        _CACHE[pattern] = re.compile(pattern, re.ASCII)
    return _CACHE[pattern]
