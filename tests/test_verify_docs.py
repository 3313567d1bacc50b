"""The verifier on documentation and licence text (issue 12): lower-case names ("zlib", "man-db"),
names and numbers kept with their clause, questions, quoted terms, contractions and bounds, hedges
that a claim keeps, acronyms, abbreviated months, headings and colons, and a document's subject left
to its file name. Each case runs the real verifier (real MiniLM embeddings) on a small source."""

from __future__ import annotations

import pytest

from assistant.embeddings import MiniLMEmbedder
from assistant.models import Passage, Source
from assistant.verification.terms import is_term
from assistant.verify import Claim, Verifier


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def verdict(embedder: MiniLMEmbedder, text: str, claim: str, doc_id: str = "notes.txt") -> str:
    passage = Passage(
        rank=1,
        chunk_id=f"{doc_id}#0",
        doc_id=doc_id,
        title=doc_id,
        text=text,
        start=0,
        end=len(text),
        score=0.0,
    )
    check = Verifier([Source(number=1, passage=passage)], embedder).check(Claim(claim))
    return f"{check.verdict}: {check.reason}"


MAN = "On the test system, man took five minutes to search all manual pages; man-db took around 40 seconds."
CATGETS = "man uses the obsolete catgets system for translations.  man-db uses gettext, which is more robust."
COVER = (
    "You may add a passage of up to five words as a Front-Cover Text, and a passage of up to 25 words as a "
    "Back-Cover Text."
)
EXPORT = "Is zlib subject to export controls?  No, zlib is not subject to export controls."
GZIP = "gzip (GNU zip) is a compression utility designed to be a replacement for 'compress'."
CRYPT = "zlib doesn't support encryption."
STRUCTS = "Since libpng-1.5.0, direct access to these structs is not allowed."
PIP = (
    "Since Debian declares its Python install EXTERNALLY-MANAGED, pip will not install packages system-wide."
)
MAINTAINER = "Glenn Randers-Pehrson (former maintainer, 1998-2018) wrote most of it."
TESTS = "If run as a non-root user, the tests use 'nobody' by default."
SECONDARY = "The GNU General Public License, Version 2.0 is a Secondary License."
NELSON = "Mark Nelson wrote an article about zlib for the Jan.  1997 issue of Dr.  Dobb's Journal."
PROGRAMS = "All of these programs except 'test' recognize the --version option."
VERSIONS = "Versions 1.1.3 and before were subject to a double-free vulnerability."
FORMATS = "The gzip format was designed to retain the directory information about a single file."
HEADING = "GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007"
OPTION = (
    "To verify host keys using DNS, add the following option to the ssh configuration file:\n\n"
    "    VerifyHostKeyDNS yes"
)
GANSSLE = "Copyright 2017- Paul Ganssle <paul@ganssle.io>"
PROFILE = "Since base-files version 6.10, /etc/profile is automatically upgraded if it was not modified."
FHS = "Achieving FHS compliance by upgrading is tricky, so it is not a goal of base-files."
FEE = "You may charge a fee for the physical act of transferring a copy."
RECIPIENT = (
    "Each time you redistribute the Program, the recipient receives a license from the original licensor."
)
LOCAL = "Put the certificate files into /usr/local/share/ca-certificates/ and run 'update-ca-certificates'."
LARGER = '"Larger Work" means a work which combines Covered Code with code not governed by this License.'


@pytest.mark.parametrize(
    ("text", "claim", "expected", "doc_id"),
    [
        # lower-case names and numbers keep their clause
        (MAN, "On the test system, man took five minutes to search all manual pages.", "supported", ""),
        (
            MAN,
            "On the test system, man-db took five minutes to search all manual pages, "
            "while man took around 40 seconds.",
            "unsupported",
            "",
        ),
        (
            CATGETS,
            "man-db uses the obsolete catgets system for translations, while man uses gettext.",
            "unsupported",
            "",
        ),
        (
            COVER,
            "A Front-Cover Text may be at most 25 words, and a Back-Cover Text at most 5 words.",
            "unsupported",
            "",
        ),
        (
            COVER,
            "A Front-Cover Text may be no more than 5 words, and a Back-Cover Text no more than 25 words.",
            "supported",
            "",
        ),
        # a question says neither yes nor no; a quoted word is a name
        (EXPORT, "zlib is subject to export controls.", "unsupported", ""),
        (GZIP, "gzip was designed as a replacement for zip.", "unsupported", ""),
        (GZIP, "gzip was designed as a replacement for 'compress'.", "supported", ""),
        # contractions, "no longer", "refuse to"
        (CRYPT, "zlib does not support encryption.", "supported", ""),
        (
            STRUCTS,
            "Since libpng-1.5.0, direct access to these structs is no longer allowed.",
            "supported",
            "",
        ),
        (
            PIP,
            "Since Debian declares its Python install EXTERNALLY-MANAGED, "
            "pip refuses to install packages system-wide.",
            "supported",
            "",
        ),
        (
            PIP,
            "Since Debian declares its Python install EXTERNALLY-MANAGED, pip installs packages system-wide.",
            "unsupported",
            "",
        ),
        # hedges a claim keeps: the past for "former", a relative clause for "if"
        (MAINTAINER, "Glenn Randers-Pehrson was the maintainer from 1998 to 2018.", "supported", ""),
        (MAINTAINER, "Glenn Randers-Pehrson is the maintainer from 1998 to 2018.", "unsupported", ""),
        (TESTS, "Tests that run as a non-root user use 'nobody' by default.", "supported", ""),
        (TESTS, "The tests use 'nobody' by default.", "unsupported", ""),
        # acronyms, abbreviated months, "every one"
        (SECONDARY, "The GNU GPL 2.0 is a Secondary License.", "supported", ""),
        (SECONDARY, "The GNU LGPL 2.0 is a Secondary License.", "unsupported", ""),
        (
            NELSON,
            "Mark Nelson wrote an article about zlib for the January 1997 issue of Dr. Dobb's Journal.",
            "supported",
            "",
        ),
        (
            NELSON,
            "Mark Nelson wrote an article about zlib for the June 1997 issue of Dr. Dobb's Journal.",
            "unsupported",
            "",
        ),
        (
            PROGRAMS,
            "Every one of these programs except 'test' recognizes the --version option.",
            "supported",
            "",
        ),
        # the document's subject, left to its file name
        (
            VERSIONS,
            "zlib versions 1.1.3 and earlier had a double-free vulnerability.",
            "supported",
            "zlib-faq.txt",
        ),
        (
            VERSIONS,
            "zlib versions 1.1.3 and earlier had a double-free vulnerability.",
            "unsupported",
            "gzip-faq.txt",
        ),
        (
            FORMATS,
            "The zlib format was designed to retain the directory information about a single file.",
            "unsupported",
            "zlib-faq.txt",
        ),
        # a heading with its line, a colon with its paragraph, an address with what it is
        (HEADING, "Version 3 of the GNU General Public License is dated 29 June 2007.", "supported", ""),
        (
            OPTION,
            "To verify host keys using DNS, add VerifyHostKeyDNS yes to the ssh configuration file.",
            "supported",
            "",
        ),
        (GANSSLE, "Paul Ganssle's e-mail address is paul@ganssle.io.", "supported", ""),
        # versions are no decimals; "not a goal" negates the goal; licence "may" is a permission
        (PROFILE, "Since base-files version 6.1, /etc/profile is automatically upgraded.", "unsupported", ""),
        (FHS, "Achieving FHS compliance by upgrading is a goal of base-files.", "unsupported", ""),
        (
            FEE,
            "You are allowed to charge a fee for the physical act of transferring a copy.",
            "supported",
            "",
        ),
        # who gives to whom; paths as written; definitions
        (
            RECIPIENT,
            "Each time you redistribute the Program, "
            "the original licensor receives a license from the recipient.",
            "unsupported",
            "",
        ),
        (LOCAL, "Put the certificate files into /usr/share/ca-certificates/.", "unsupported", ""),
        (LOCAL, "Put the certificate files into /usr/local/share/ca-certificates/.", "supported", ""),
        (LARGER, "A Larger Work means code not governed by this License.", "unsupported", ""),
        (
            LARGER,
            "A Larger Work means a work combining Covered Code with code not governed by this License.",
            "supported",
            "",
        ),
    ],
)
def test_documentation_rules(
    embedder: MiniLMEmbedder, text: str, claim: str, expected: str, doc_id: str
) -> None:
    found = verdict(embedder, text, claim, doc_id or "notes.txt")
    assert found.startswith(expected), found


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("zlib", True),
        ("gettext", True),
        ("sprintf", True),
        ("zip", False),
        ("renamed", False),
        ("typo", False),
    ],
)
def test_lower_case_names_are_words_english_does_not_know(word: str, term: bool) -> None:
    assert is_term(word) == term
