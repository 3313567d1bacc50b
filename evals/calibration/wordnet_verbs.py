"""Write ``assistant/verification/verbs.txt``: the verb synsets of Princeton WordNet 3.0 with their direct
hypernyms, one synset a line.

    apt-get install wordnet-base        # Debian's package of the WordNet 3.0 database
    python evals/calibration/wordnet_verbs.py [/usr/share/wordnet]

The verifier uses them to tell a claim's verb that the source says in other words ("supplies" for
"provides", "shrank" for "decreased": one synset, or one is the other's hypernym) from a verb the source
does not say. Only single words are kept. A line is its words, each with the rank of this sense among
the word's senses (``supply:1``; WordNet orders them by how often they occur in its tagged texts), then
``>`` and the line numbers (from 0, after the notice) of its hypernyms, then ``!word=antonym`` for each
direct antonym of one of its words ("!decrease=increase"). WordNet is read in its own database format
(``wndb(5WN)``) as ``wordnet_antonyms.py`` reads it; the output carries WordNet's licence, which allows
copying and distribution with the notice kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wordnet_antonyms import NOTICE as ANTONYMS_NOTICE

OUT = Path(__file__).resolve().parents[2] / "assistant" / "verification" / "verbs.txt"
NOTICE = (
    "# Verb synsets (single words, each with its sense rank), their direct hypernyms (line numbers after\n"
    "# '>', from 0) and direct antonyms ('!word=antonym') from Princeton WordNet 3.0, written by\n"
    "# evals/calibration/wordnet_verbs.py from Debian's wordnet-base package.\n"
    "#\n" + ANTONYMS_NOTICE.split("#\n", 1)[1]  # WordNet's licence, as the antonyms file carries it
)


def sense_ranks(root: Path) -> dict[tuple[str, str], int]:
    """(word, synset offset) → the rank of that sense among the word's verb senses, from 1."""
    ranks = {}
    for line in (root / "index.verb").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split()
        offsets = fields[6 + int(fields[3]) :]
        ranks.update({(fields[0], offset): k for k, offset in enumerate(offsets, start=1)})
    return ranks


def verb_synsets(root: Path) -> list[tuple[list[str], list[int], list[str]]]:
    """(single-word members as ``word:rank``, hypernym line numbers, antonyms as ``word=antonym``) of
    every verb synset with a single-word member."""
    ranks = sense_ranks(root)
    read: dict[str, tuple[list[str], list[str]]] = {}
    words: dict[str, list[str]] = {}
    antonyms: dict[str, list[tuple[int, str, int]]] = {}
    for line in (root / "data.verb").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence at the top of the file
            continue
        fields = line.split(" | ")[0].split()
        count = int(fields[3], 16)
        members = [fields[4 + 2 * i].lower() for i in range(count)]
        at = 4 + 2 * count
        pointers = [fields[at + 1 + 4 * i : at + 5 + 4 * i] for i in range(int(fields[at]))]
        hypernyms = [p[1] for p in pointers if p[0] in ("@", "@i") and p[2] == "v"]
        words[fields[0]] = members
        antonyms[fields[0]] = [(int(p[3][:2], 16), p[1], int(p[3][2:], 16)) for p in pointers if p[0] == "!"]
        single = [m for m in members if not any(c in m for c in "_-")]
        read[fields[0]] = ([f"{m}:{ranks[(m, fields[0])]}" for m in single], hypernyms)
    kept = [offset for offset, (members, _) in read.items() if members]
    number = {offset: k for k, offset in enumerate(kept)}
    return [
        (
            read[o][0],
            [number[h] for h in read[o][1] if h in number],
            [
                f"{words[o][a - 1]}={words[t][b - 1]}"
                for a, t, b in antonyms[o]
                if not any(c in words[o][a - 1] + words[t][b - 1] for c in "_-")
            ],
        )
        for o in kept
    ]


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path("/usr/share/wordnet")
    synsets = verb_synsets(root)
    lines = [
        " ".join(members) + "".join(f" >{h}" for h in hypernyms) + "".join(f" !{a}" for a in opposed)
        for members, hypernyms, opposed in synsets
    ]
    OUT.write_text(NOTICE + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} synsets → {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
