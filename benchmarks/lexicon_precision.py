"""Precision and recall of the default lexicon's terms on hand-labelled matches (not a test: run it by hand).

    python benchmarks/lexicon_precision.py --corpus ../shared/corpus/postings.jsonl [--labels DIR] [--ship]

The corpus is JSON Lines with `id`, `date` and `text` (the HN sample of ../shared/corpus); DIR (default
benchmarks/labels) holds the labelled samples `<term>.<split>.jsonl`: lines with the posting `id`, `year`, the
match's character `offset`, `label` 1 / 0 / ? and the sampling `seed`, and no posting text. Each sample is a plain
random draw (Python's random.sample with that seed) of the matches of the term's forms in the corpus's distinct
texts (identical texts counted once), disjoint from the term's earlier samples. Every labelled match is found again
by the engine (analysis.kwic.rules_in_texts) in its posting's text, so the rule that counted or vetoed it is the
current lexicon's. Prints per term and sample: counted matches labelled, precision with its Wilson 95% interval,
and recall. The `dev` samples are the ones the rules were written from; only `heldout` estimates precision.
With --ship, writes analysis/labels/default.jsonl: one line per held-out label, with no posting text and no id.
The packs' samples (`extended.pack.jsonl`, `gaucher.pack.jsonl`: 80 counted matches drawn at random from those in
3,000 random distinct texts, with the term) are there too; their precision is stated in the packs' files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.kwic import rules_in_texts  # noqa: E402
from analysis.labels import Label, export_labels, read_labels  # noqa: E402
from analysis.lexicon import Lexicon, load_lexicon  # noqa: E402
from analysis.series import wilson_interval  # noqa: E402

# The samples of each term, in the order they were drawn; the last is the held-out one (shipped). belonging has
# only one sample: every match in the corpus (17), labelled while writing its rules.
SAMPLES = {"flexible": ("dev", "dev2", "heldout"), "empathy": ("dev", "dev2", "heldout"),
           "belonging": ("all",), "discipline": ("dev", "heldout")}
IN_SAMPLE = {"belonging"}
# empathy and discipline have few matches: their samples together are every match in the corpus.
REST = {"empathy": "every match not in the dev samples", "discipline": "every match not in the dev sample"}
# Terms whose rules did not change since their held-out labels were made (lexicon de5ca1d345cd; the samples' posting
# ids were not kept): their shipped labels are carried over, restamped with the current lexicon version.
CARRIED = ("fast-paced", "aggressive")
VALUES = {"1": "intended", "0": "other", "?": "unsure"}
SHIPPED = Path(__file__).resolve().parents[1] / "analysis" / "labels" / "default.jsonl"
LABELS = Path(__file__).resolve().parent / "labels"


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def draw_of(term: str, split: str, records: list[dict]) -> str:
    seed = records[0]["seed"]
    where = "all matches in the corpus, in-sample: no held-out sample" if term in IN_SAMPLE else split
    if term in REST and split == "heldout":
        where += f", {REST[term]}"
    return f"seed={seed} n={len(records)} distinct-texts hn-corpus ({where})"


def labels_for(lexicon: Lexicon, term: str, split: str, records: list[dict], texts: dict[str, str]) -> list[Label]:
    """One Label per labelled match, ruled by the engine on the posting's text (found by its offset)."""
    ruled = rules_in_texts(lexicon, term, [texts[r["id"]] for r in records])
    draw = draw_of(term, split, records)
    out = []
    for record, matches in zip(records, ruled):
        offset = int(record["offset"])
        match = next((m for m in matches if m.offset <= offset < m.offset + len(m.match)), None)
        if match is None:
            raise SystemExit(f"{term}: no engine match at {record['id']}:{offset}")
        out.append(Label(term, lexicon.name, lexicon.version, match.rule, int(record["year"]), "hn",
                         VALUES[str(record["label"])], draw, True))
    return out


def summary(term: str, split: str, labels: list[Label]) -> str:
    counted = [x for x in labels if x.counted and x.label != "unsure"]
    intended = [x for x in labels if x.label == "intended"]
    hits = sum(x.label == "intended" for x in counted)
    low, high = wilson_interval(hits, len(counted))
    recall = sum(x.counted for x in intended) / len(intended) if intended else float("nan")
    note = "  (in-sample)" if term in IN_SAMPLE else ""
    return (f"{term:<11} {split:<8} n={len(counted):>3}  precision {hits / len(counted):.3f} [{low:.3f}, {high:.3f}]  "
            f"recall {recall:.3f} (n={len(intended)}){note}")


def carried(term: str, lexicon: Lexicon) -> list[Label]:
    """The shipped labels of a term whose rules did not change, restamped with the current lexicon version."""
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    return [replace(x, lexicon_version=lexicon.version) for x in read_labels(lines, str(SHIPPED)) if x.term == term]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--labels", type=Path, default=LABELS, help="folder of <term>.<split>.jsonl label files")
    parser.add_argument("--ship", action="store_true", help=f"write {SHIPPED.relative_to(SHIPPED.parents[2])}")
    args = parser.parse_args(argv)
    lexicon = load_lexicon("default")
    texts = {r["id"]: r["text"] for r in read_jsonl(args.corpus)}
    shipped: list[Label] = []
    print(f"lexicon {lexicon.name} {lexicon.version}")
    for term, splits in SAMPLES.items():
        for split in splits:
            records = list(read_jsonl(args.labels / f"{term}.{split}.jsonl"))
            labels = labels_for(lexicon, term, split, records, texts)
            print(summary(term, split, labels))
        shipped += labels  # the last sample: the held-out one
    for term in CARRIED:
        labels = carried(term, lexicon)
        print(summary(term, "carried", labels))
        shipped += labels
    if args.ship:
        SHIPPED.parent.mkdir(exist_ok=True)
        print(f"wrote {export_labels(shipped, SHIPPED)} labels to {SHIPPED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
