"""Generate job postings whose text looks like real ones, as JSON Lines, for import and analysis benchmarks.

    python benchmarks/realistic_corpus.py --rows 200000 --out corpus.jsonl
    python benchmarks/realistic_corpus.py --rows 20000 --out /tmp/c.jsonl --compare ../shared/corpus/postings.jsonl

Each posting has a header line (`Company | Role | Place | REMOTE`), prose paragraphs and bullet lists
separated by blank lines, and a contact line with a URL or e-mail. Sentences are built from templates and
a vocabulary written for this script (no real posting is copied); their shapes, the paragraph counts, the
lengths and the share of postings holding each character kind or lexicon word were measured on the
shared corpus of 32,747 Hacker News postings. On top of that, a few percent of postings carry what raw
dumps hold and the corpus (already cleaned) does not: ligatures, no-break spaces, mojibake, CR/LF line
ends and spaces at line ends, so the import's slower paths are exercised too.

Share of postings holding each kind (`--compare ../shared/corpus/postings.jsonl`, the first 20,000 of
200,000 generated rows, seed 1). Non-ASCII is higher than the corpus by about the deliberate raw-dump extras.

| statistic | shared corpus (32,747) | generated |
|---|---|---|
| blank line | 97.5% | 97.4% |
| any non-ASCII | 38.8% | 47.6% |
| curly quote or apostrophe | 30.2% | 31.8% |
| bullet character | 2.3% | 3.3% |
| list line | 30.8% | 34.0% |
| em or en dash | 9.7% | 9.2% |
| no-break space | 0.0% | 3.0% (deliberate) |
| ligature | 0.0% | 1.9% (deliberate) |
| mojibake | 0.0% | 2.1% (deliberate) |
| anything NFKC changes | 1.5% | 8.0% (the above, …, ™) |
| CR/LF or spaces at a line end | 0.0% | 3.3% (deliberate) |
| double space | 17.5% | 17.0% |
| URL | 85.0% | 85.1% |
| e-mail | 40.1% | 40.0% |
| flexib* | 6.3% | 6.1% |
| fast-paced | 1.5% | 1.6% |
| remote | 43.7% | 48.0% |
| python | 22.7% | 24.9% |
| mean / median length | 1067 / 966 | 1036 / 993 |
| 10th / 90th percentile length | 440 / 1792 | 340 / 1750 |
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

ROLES = ["Software Engineer", "Senior Backend Engineer", "Frontend Developer", "Data Scientist", "Staff Engineer",
         "Full-Stack Developer", "DevOps Engineer", "Machine Learning Engineer", "Product Designer",
         "Engineering Manager", "Mobile Developer (iOS/Android)", "Site Reliability Engineer", "QA Engineer",
         "Data Engineer", "Security Engineer", "Technical Writer", "Founding Engineer", "Platform Engineer"]
PLACES = ["San Francisco, CA", "New York, NY", "London, UK", "Berlin, Germany", "Austin, TX", "Boston, MA",
          "Seattle, WA", "Toronto, Canada", "Amsterdam", "Paris, France", "Remote (US)", "Los Angeles, CA",
          "Chicago, IL", "Denver, CO", "Tel Aviv", "Bangalore, India", "Zürich, Switzerland", "Madrid, Spain"]
TAGS = ["REMOTE", "ONSITE", "Full-time", "Hybrid", "ONSITE only", "Full Time | VISA", "Contract"]
TECH = ["Python", "Go", "Rust", "TypeScript", "React", "Postgres", "Kubernetes", "AWS", "Django", "Rails",
        "Java", "Kotlin", "Swift", "Elixir", "Scala", "Terraform", "Kafka", "GraphQL", "Node.js", "C++",
        "Ruby", "PHP", "Vue", "Redis", "Spark", "Snowflake"]
PRODUCTS = ["a payments platform", "developer tools", "an analytics product", "healthcare software",
            "a logistics network", "climate data", "an online marketplace", "security infrastructure",
            "a learning app", "open-source databases", "robotics software", "a video platform"]
TEAM = ["small", "distributed", "growing", "senior", "product-minded", "friendly", "experienced", "tight-knit"]
VERBS = ["build", "design", "scale", "own", "ship", "improve", "maintain", "rethink", "launch", "operate"]
THINGS = ["our core APIs", "the data pipeline", "customer-facing features", "internal tooling", "the mobile apps",
          "our infrastructure", "the search experience", "billing systems", "ML models in production"]
BENEFITS = ["competitive salary and equity", "health, dental and vision", "a generous learning budget",
            "unlimited PTO", "401(k) matching", "home-office stipend", "parental leave", "visa sponsorship",
            "work-life balance", "regular team offsites", "a modern laptop"]
# (phrase, share of postings holding it), measured on the shared corpus where the word is a lexicon term.
TERM_SENTENCES = [
    ("We offer flexible hours and a flexible remote policy.", 0.050),
    ("We value flexibility in how and where you work.", 0.013),
    ("You lead with empathy toward teammates.", 0.010),
    ("We care about diversity, equity, inclusion and belonging.", 0.0005),
    ("You thrive in a fast-paced environment.", 0.015),
    ("It’s a fast paced startup where priorities move quickly.", 0.004),
    ("We have aggressive growth targets this year.", 0.0034),
    ("You bring engineering discipline to everything you ship.", 0.0105),
    ("We are an inclusive employer.", 0.0088),
    ("Our culture is collaborative and low-ego.", 0.035),
    ("We offer a competitive salary.", 0.071),
    ("No rockstar ninjas needed: just hustle and good judgement.", 0.002),
]
OPENERS = ["We’re", "We are", "Our team is", "Acme is", "We’ve been", "The company is"]
CONTRACTIONS = [("We are", "We’re"), ("you will", "you’ll"), ("It is", "It’s"), ("we have", "we’ve"),
                ("do not", "don’t"), ("company is", "company’s")]
BULLET_MARKS = ["- "] * 28 + ["* "] * 17 + ["• "] * 3 + ["● ", "– "]
LIGATURES = [("fi", "\ufb01"), ("fl", "\ufb02"), ("ff", "\ufb00"), ("ffi", "\ufb03")]


def _sentence(rng: random.Random) -> str:
    shapes: list[Callable[[], str]] = [
        lambda: f"{rng.choice(OPENERS)} building {rng.choice(PRODUCTS)} used by {rng.randint(2, 900)} companies.",
        lambda: f"You will {rng.choice(VERBS)} {rng.choice(THINGS)} with a {rng.choice(TEAM)} team of "
                f"{rng.randint(3, 40)} engineers.",
        lambda: f"Our stack is {rng.choice(TECH)}, {rng.choice(TECH)} and {rng.choice(TECH)} on {rng.choice(TECH)}.",
        lambda: f"We are looking for people who like to {rng.choice(VERBS)} {rng.choice(THINGS)} and care about "
                f"the details.",
        lambda: f"Experience with {rng.choice(TECH)} is a plus, but we do not expect you to know everything.",
        lambda: f"We raised a Series {rng.choice('ABCD')} last year and are profitable.",
        lambda: f"The role is {rng.choice(['remote-friendly', 'onsite', 'hybrid'])}, with overlap in "
                f"{rng.choice(['US', 'European', 'Pacific', 'Eastern'])} hours.",
        lambda: f"Salary range: ${rng.randint(90, 220)}k - ${rng.randint(221, 320)}k plus equity.",
        lambda: f"It is a great time to join: the company is growing {rng.randint(2, 9)}x a year.",
        lambda: f"{rng.choice(OPENERS)} hiring {rng.randint(2, 12)} engineers across {rng.choice(THINGS)}.",
    ]
    return rng.choice(shapes)()


def _bullets(rng: random.Random) -> list[str]:
    mark = rng.choice(BULLET_MARKS)
    pool = [f"{rng.randint(2, 10)}+ years with {rng.choice(TECH)}", f"Strong {rng.choice(TECH)} skills",
            rng.choice(BENEFITS), rng.choice(BENEFITS), f"You {rng.choice(VERBS)} {rng.choice(THINGS)}",
            f"Comfortable with {rng.choice(TECH)} and {rng.choice(TECH)}"]
    return [mark + item for item in rng.sample(pool, rng.randint(2, 5))]


def posting_text(rng: random.Random) -> str:
    """One posting's text: header, paragraphs and lists separated by blank lines, contact line."""
    header = " | ".join(rng.sample([f"Co{rng.randint(1, 9999)}", rng.choice(ROLES), rng.choice(PLACES),
                                    rng.choice(TAGS)], 4)) if rng.random() < 0.73 else rng.choice(ROLES)
    blocks = [header]
    for _ in range(max(1, round(rng.gauss(5.8, 3.3)))):
        if rng.random() < 0.07:
            blocks.append("\n".join(_bullets(rng)))
        else:
            blocks.append(" ".join(_sentence(rng) for _ in range(rng.choice((1, 1, 2, 2, 3, 3, 4, 5)))))
    for sentence, share in TERM_SENTENCES:
        if rng.random() < share:
            blocks.insert(rng.randint(1, len(blocks)), sentence)
    if rng.random() < 0.85:
        blocks.append(f"Apply: https://{rng.choice(['jobs', 'careers', 'www'])}.example{rng.randint(1, 999)}.com/"
                      f"{rng.randint(100, 99999)}")
    if rng.random() < 0.40:
        blocks.append(f"Email me at jobs{rng.randint(1, 999)}@example.com")
    return _decorate(rng, "\n\n" if rng.random() < 0.975 else "\n", blocks)


def _decorate(rng: random.Random, separator: str, blocks: list[str]) -> str:
    """The character habits of real postings (and, at a few percent, of raw dumps)."""
    text = separator.join(blocks)
    if rng.random() < 0.27:
        for plain, curly in CONTRACTIONS:
            text = text.replace(plain, curly)
    elif "’" in text and rng.random() < 0.9:
        text = text.replace("’", "'")
    if rng.random() < 0.03:
        text = text.replace(" is ", " is \u201c", 1).replace(".", "\u201d.", 1)
    if rng.random() < 0.085:
        text = text.replace(" - ", rng.choice([" \u2014 ", " \u2013 "]), 1) if " - " in text else text + " \u2014 thanks!"
    if rng.random() < 0.175:
        text = text.replace(". ", ".  ")
    if rng.random() < 0.01:
        text = text.replace(".", "\u2026", 1)
    if rng.random() < 0.003:
        text = text.replace("Co", "Co\u2122", 1)
    return _raw_dump_habits(rng, text)


def _raw_dump_habits(rng: random.Random, text: str) -> str:
    if rng.random() < 0.02:
        plain, ligature = rng.choice(LIGATURES)
        text = text.replace(plain, ligature) if plain in text else text + " \ufb01nally"
    if rng.random() < 0.03:
        text = text.replace(" ", "\u00a0", rng.randint(1, 3))
    if rng.random() < 0.02:  # UTF-8 read as Windows-1252, as in a dump that was decoded once too often
        text = (text if "’" in text else text + " We’re excited.").replace("’", "’".encode().decode("cp1252"))
    if rng.random() < 0.015:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.015:
        text = text.replace("\n", " \n", 2)
    return text


def postings(rows: int, seed: int = 1) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    start = date(2011, 1, 1)
    for n in range(rows):
        day = start + timedelta(days=rng.randrange(15 * 365))
        yield {"id": f"g{n}", "date": day.isoformat(), "company": f"Co{rng.randint(1, 20000)}",
               "title": rng.choice(ROLES), "text": posting_text(rng)}


# -- character statistics, for --compare ---------------------------------------------------------------

_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u2122\u0153\u017e\u2018-\u201e]")
STATS: dict[str, Callable[[str], bool]] = {
    "blank line": lambda t: "\n\n" in t or "\r\n\r\n" in t,
    "any non-ASCII": lambda t: not t.isascii(),
    "curly quote or apostrophe": lambda t: any(c in t for c in "\u2018\u2019\u201c\u201d"),
    "bullet character": lambda t: any(c in t for c in "\u2022\u25cf\u25e6\u25aa\u2023"),
    "list line": lambda t: re.search(r"(?m)^\s*[-*\u2013\u2022\u25cf] ", t) is not None,
    "em or en dash": lambda t: "\u2014" in t or "\u2013" in t,
    "no-break space": lambda t: "\u00a0" in t,
    "ligature": lambda t: any("\ufb00" <= c <= "\ufb06" for c in t),
    "mojibake": lambda t: _MOJIBAKE.search(t) is not None,
    "anything NFKC changes": lambda t: not unicodedata.is_normalized("NFKC", t),
    "CR/LF or spaces at a line end": lambda t: "\r" in t or " \n" in t,
    "double space": lambda t: "  " in t,
    "URL": lambda t: "http" in t,
    "e-mail": lambda t: "@" in t,
    "flexib*": lambda t: "flexib" in t.lower(),
    "fast-paced": lambda t: "fast-paced" in t.lower(),
    "remote": lambda t: "remote" in t.lower(),
    "python": lambda t: "python" in t.lower(),
}


def char_stats(texts: list[str]) -> dict[str, str]:
    """Share of texts with each STATS kind, and length figures, formatted."""
    out = {name: f"{100 * sum(map(test, texts)) / len(texts):.1f}%" for name, test in STATS.items()}
    lengths = sorted(map(len, texts))
    out["mean / median length"] = f"{statistics.mean(lengths):.0f} / {statistics.median(lengths):.0f}"
    out["10th / 90th percentile length"] = f"{lengths[len(lengths) // 10]} / {lengths[9 * len(lengths) // 10]}"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare", type=Path, metavar="JSONL", help="a real corpus to compare statistics with")
    args = parser.parse_args(argv)
    sample: list[str] = []
    with open(args.out, "w", encoding="utf-8") as out:
        for row in postings(args.rows, args.seed):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if len(sample) < 20_000:
                sample.append(row["text"])
    print(f"{args.rows} postings written to {args.out}", file=sys.stderr)
    if args.compare:
        real = [json.loads(line)["text"] for line in args.compare.open(encoding="utf-8")]
        ours, theirs = char_stats(sample), char_stats(real)
        print(f"| statistic | {args.compare.name} | generated |\n|---|---|---|")
        for name in ours:
            print(f"| {name} | {theirs[name]} | {ours[name]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
