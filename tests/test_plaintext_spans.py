"""Question typing and spans on the forms plain-text files use, string in → value out: version numbers,
numbers written twice ("twelve (12) months"), month-year dates, people marked by their address or a
copyright notice, acronyms before the asked-for noun, section numbers."""

from __future__ import annotations

import pytest

from assistant.reading import analyze
from assistant.reading.spans import cuts_a_path, extract, kind_of_span, typed


def span(question: str, sentence: str) -> str | None:
    found = extract(analyze(question), sentence)
    return found.text if found else None


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Which version of it is this?", "This is the new version (1.47.0) of the programs.", "1.47.0"),
        ("Since which version does it start on its own?", "Since 2.1.17, systemd starts it.", "2.1.17"),
        ("Which release removed the option?", "When: 1.18.x", "1.18.x"),
        ("Which version is the MPL 1.1?", "This is MPL 1.1.", None),
        ("Which version of the GPL applies?", "It is under the GPL, version 2 or later.", "version 2"),
        ("Which version of the GPL applies?", "It is under the terms of the [____] License.", None),
    ],
)
def test_a_version_question_takes_a_release_number(
    question: str, sentence: str, expected: str | None
) -> None:
    assert typed(analyze(question))
    assert span(question, sentence) == expected


def test_a_month_before_a_year_keeps_the_whole_year() -> None:
    assert span("When was version 1 published?", "Version 1, February 1989") == "February 1989"
    assert span("When did it come out?", "It came out on March 3, 1998.") == "March 3, 1998"


def test_a_number_written_twice_and_wrapped_is_one_quantity() -> None:
    sentence = "must remain available for at least twelve (12)\n     months after the date"
    assert span("How long must the source stay available?", sentence) == "twelve (12)\n     months"


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Who signed the README?", "Happy hacking,\n/Niels Möller <nisse@lysator.liu.se>", "Niels Möller"),
        (
            "Who maintains it?",
            "Upstream-Contact: Hans Broeker (Maintainer) <broeker@users.sf.net>",
            "Hans Broeker",
        ),
        ("Who should I contact?", "Please contact Ted Ts'o at\ntytso@mit.edu.", "Ted Ts'o"),
        ("Who holds the copyright?", "Copyright (c) 2013-2026, Kim Davies and contributors.", "Kim Davies"),
        (
            "Whose copyright notice is this?",
            "Copyright (c) The Regents of the University of California.",
            "Regents of the University of California",
        ),
    ],
)
def test_a_who_question_takes_the_name_marked_as_a_person_or_holder(
    question: str, sentence: str, expected: str
) -> None:
    assert span(question, sentence) == expected


@pytest.mark.parametrize(
    ("question", "kind", "focus"),
    [
        ("Which agency suggested when the trip could happen?", "who", "agency"),
        ("When does the agent stop?", "when", None),
        ("On which IRC channel can I meet the developers?", None, "channel"),
        ("Since which version is it built in?", None, "version"),
        # a definition: the thing named is the subject, there is no noun to find in the text
        ("What is libtasn1?", None, None),
        ("What is version control?", None, None),
        ("What is the default compression level?", None, "level"),
    ],
)
def test_the_question_phrase_types_the_question(question: str, kind: str | None, focus: str | None) -> None:
    asked = analyze(question)
    assert (asked.kind, asked.focus) == (kind, focus)


def test_an_open_what_question_is_not_typed() -> None:
    assert kind_of_span(analyze("Which licence covers it?")) == "what"
    assert not typed(analyze("Which licence covers it?"))
    assert not typed(analyze("How do I build it?"))


@pytest.mark.parametrize(
    "question",
    ["Which Python 3 version do its tools need?", "Since which Debian kernel release is it built in?"],
)
def test_a_version_question_is_typed_whatever_names_the_version(question: str) -> None:
    assert kind_of_span(analyze(question)) == "version"


def test_a_section_number_counts_nothing() -> None:
    assert span("How many days' notice must it give?", "6.1. New Versions.") is None
    assert span("How many days' notice must it give?", "upon 60 days notice from Participant") == "60 days"


def test_a_span_never_cuts_an_identifier() -> None:
    """Letters, digits and underscores run together are one token to a reader of technical text."""
    sentence = "The zlib constant Z_DEFAULT_COMPRESSION, equal to -1, is equivalent to level 6."
    assert "Z_DEFAULT_COMPRESSION" in (span("Which constant is equivalent to level 6?", sentence) or "")
    assert (
        span("Which function starts a new stream?", "A new stream is started by deflateInit2.")
        == "deflateInit2"
    )


def test_a_piece_of_an_address_is_never_the_span() -> None:
    """ "help", the first piece of help-libtasn1@gnu.org, was the span: an address is whole or nothing."""
    sentence = "Fabio Fiorina Simon Josefsson Nikos Mavrogiannopoulos (help-libtasn1@gnu.org)"
    assert (
        span("Which libtasn1 contact is given?", sentence)
        == "Fabio Fiorina Simon Josefsson Nikos Mavrogiannopoulos"
    )


@pytest.mark.parametrize(
    ("sentence", "span", "cut"),
    [
        ("The versions vendored MUST be reflected in pip/_vendor/vendor.txt.", "txt", True),
        (
            "The versions vendored MUST be reflected in pip/_vendor/vendor.txt.",
            "pip/_vendor/vendor.txt",
            False,
        ),
        ("The old code lives in numpy.core.ma now.", "core", True),
        ("The users are listed in /etc/passwd on every host.", "etc", True),
        ("Both etc and /etc/passwd are named.", "etc", False),  # it also stands on its own
        ("It goes at 30 km/h and/or faster over TCP/IP.", "30 km", False),  # a slash alone is no path
        ("See e.g. the U.S. rules.", "U.S", False),
    ],
)
def test_a_piece_of_a_path_or_a_dotted_name_is_told_apart(sentence: str, span: str, cut: bool) -> None:
    """ "Txt", a piece of pip/_vendor/vendor.txt, led the answer to "Which libraries does pip vendor?"
    in pip's README: such a span must not lead (``backends/offline.py``)."""
    assert cuts_a_path(sentence, span) is cut
