"""Write ``assistant/reading/antonyms.txt``: the direct antonyms of Princeton WordNet 3.0, one pair a line.

    apt-get install wordnet-base        # Debian's package of the WordNet 3.0 database
    python evals/calibration/wordnet_antonyms.py [/usr/share/wordnet]

The reader uses the pairs to see that a sentence says the opposite of a word of the question ("a gradual
rise" for "a sudden rise"). Only single words are kept (no "_" or "-" compounds). WordNet is read in its
own database format (``wndb(5WN)``): a synset line lists its words, then its pointers, and an antonym
pointer (``!``) names the source and target word by number. The output carries WordNet's licence, which
allows copying and distribution with the notice kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "assistant" / "reading" / "antonyms.txt"
NOTICE = """\
# Direct antonyms (single words) from Princeton WordNet 3.0, written by evals/calibration/wordnet_antonyms.py
# from Debian's wordnet-base package. Part of speech, then the pair.
#
# WordNet Release 3.0. This software and database is being provided to you, the LICENSEE, by Princeton
# University under the following license. By obtaining, using and/or copying this software and database,
# you agree that you have read, understood, and will comply with these terms and conditions.: Permission
# to use, copy, modify and distribute this software and database and its documentation for any purpose
# and without fee or royalty is hereby granted, provided that you agree to comply with the following
# copyright notice and statements, including the disclaimer, and that the same appear on ALL copies of
# the software, database and documentation, including modifications that you make for internal use or
# for distribution. WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. THIS
# SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR
# WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY MAKES NO
# REPRESENTATIONS OR WARRANTIES OF MERCHANT- ABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE OR THAT THE
# USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS,
# COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS. The name of Princeton University or Princeton may not be used
# in advertising or publicity pertaining to distribution of the software and/or database. Title to
# copyright in this software, database and any associated documentation shall at all times remain with
# Princeton University and LICENSEE agrees to preserve same.
"""


def antonyms(root: Path) -> set[tuple[str, str, str]]:
    """(part of speech, word, word) for every direct antonym pair of single words, each pair once."""
    pairs = set()
    for pos in ("adj", "adv", "verb", "noun"):
        synsets: dict[str, tuple[list[str], list[tuple[str, str, str]]]] = {}
        for line in (root / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):  # the licence at the top of the file
                continue
            fields = line.split(" | ")[0].split()
            count = int(fields[3], 16)
            # an adjective's syntactic marker ("(a)", "(p)") is not part of the word
            members = [fields[4 + 2 * i].split("(")[0].lower() for i in range(count)]
            at = 4 + 2 * count
            # a pointer: symbol, target synset, target's part of speech, source/target word numbers
            pointers = [fields[at + 1 + 4 * i : at + 5 + 4 * i] for i in range(int(fields[at]))]
            synsets[fields[0]] = (members, [(p[0], p[1], p[3]) for p in pointers])
        for members, links in synsets.values():
            for symbol, offset, numbers in links:
                if symbol != "!" or offset not in synsets:
                    continue
                a = members[int(numbers[:2], 16) - 1]
                b = synsets[offset][0][int(numbers[2:], 16) - 1]
                if not any(c in a + b for c in "_-"):
                    first, second = sorted((a, b))
                    pairs.add((pos, first, second))
    return pairs


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path("/usr/share/wordnet")
    lines = [" ".join(pair) for pair in sorted(antonyms(root))]
    OUT.write_text(NOTICE + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} pairs → {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
