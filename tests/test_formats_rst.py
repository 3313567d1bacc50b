"""reStructuredText read as it renders (formats/rst.py): words, not markup; headings as sections;
Sphinx's directives and roles read for their words; a hostile file reads nothing from outside itself,
prints nothing, and is read (or read as plain text, with one line that says why) in bounded time. Every
file is written here; the end-to-end test asks the command about one and checks the quote's offsets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant import Assistant, formats
from assistant.formats import extract, locate
from assistant.ingest import load_corpus
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 10_000_000
ASSISTANT = str(Path(sys.executable).with_name("assistant"))

README = """\
=============
Garden notes
=============

The *garden* is a **shared** plot: see `the rota <https://example.org/rota>`_ or
`the map <docs/map.html>`_, or write to plots@example.org. The ``gate`` code is 4417.

.. contents::

Tomatoes `1.2 <https://example.org/compare/1.1...1.2>`_
=======================================================

- Water ``daily``
  in summer.
- Stake them in May.

Install the tools::

    # not a heading
    pip install garden

.. code-block:: python
   :emphasize-lines: 1
   :caption: Sphinx's options, which docutils does not take

   garden.water(litres=5)

.. automodule:: garden.beds
   :members:

See :func:`~garden.beds.dig` and :ref:`the install guide <install>`.

.. versionadded:: 2.1
   Beds can be shared by two families.

.. note:: Bring your own gloves.

Beans
=====

+-----+-------+
| Bed | Crop  |
+=====+=======+
| 1   | Beans |
+-----+-------+

=====  =====
Bed    Crop
=====  =====
2      Peas
=====  =====

Compost
   Turned every second Sunday.

:Owner: The allotment society
:Since: 1998

The plot is |size| square metres [#]_.

.. |size| replace:: two hundred

.. [#] Measured in 2019.

Some *unclosed emphasis and `an unclosed literal stay as written.

+-----+-------+
| Bad | table, the society's
+-----+--

.. frobnicate:: an extension's directive
   Its words are kept.
"""


def test_a_readme_is_read_as_it_renders_with_headings_as_sections(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "README.rst"
    path.write_text(README, encoding="utf-8")
    extracted = extract(path, path.read_bytes(), MAX_BYTES)
    text = extracted.text
    assert extracted.title == "Garden notes" and extracted.note is None
    assert (
        "The garden is a shared plot: see the rota (https://example.org/rota) or the map, or write to "
        "plots@example.org. The gate code is 4417." in text
    )
    assert "Water daily in summer." in text and "Stake them in May." in text
    assert "# not a heading\npip install garden" in text  # a literal block, line by line
    assert "garden.water(litres=5)" in text  # Sphinx's code-block, options and all
    assert "See dig and the install guide." in text  # Sphinx's roles: the words it would show
    assert "New in version 2.1: Beds can be shared by two families." in text
    assert "Bring your own gloves." in text
    assert "| 1 | Beans |" in text and "| 2 | Peas |" in text  # grid and simple tables
    assert "Compost\n\nTurned every second Sunday." in text  # a definition list
    assert "Owner: The allotment society\n\nSince: 1998" in text  # a field list, as sentences
    assert "The plot is two hundred square metres [1]." in text and "\n[1] Measured in 2019." in text
    assert "Some *unclosed emphasis and `an unclosed literal stay as written." in text
    assert "| Bad | table, the society's" in text  # a table docutils gives up on stays as written
    assert "an extension's directive" in text and "Its words are kept." in text
    for markup in ("**", "``", "`_", ":func:", "automodule", "garden.beds\n", "compare", "code-block", ".. "):
        assert markup not in text, markup
    assert [s.label for s in extracted.sections] == ["§ Garden notes", "§ Tomatoes 1.2", "§ Beans"]
    assert locate(extracted.sections, text.index("Water daily")) == "§ Tomatoes 1.2"
    assert locate(extracted.sections, text.index("Compost")) == "§ Beans"
    assert capfd.readouterr() == ("", "")  # docutils' messages are never printed


def test_sphinx_directives_are_read_for_their_words() -> None:
    """A signature, a tab's title and a glossary are words of the document; a condition, a module's
    import path, a table of contents and a directive without the content it needs are not."""
    source = (
        "Eggs\n====\n\n.. module:: spam.eggs\n   :synopsis: Eggs.\n\n.. toctree::\n   :maxdepth: 2\n\n"
        "   install\n\n.. only:: html\n\n   Only words.\n\n.. py:function:: fry(eggs, oil=None)\n\n"
        "   Fries the eggs.\n\n.. tab:: Linux\n\n   Use apt.\n\n"
        ".. glossary::\n\n   Yolk\n      The yellow.\n\n.. note::\n\n"
        ".. deprecated:: 3.0 Use :meth:`boil` instead.\n"
    )
    assert extract(Path("eggs.rst"), source.encode(), None).text == (
        "Eggs\n\nOnly words.\n\nfry(eggs, oil=None)\n\nFries the eggs.\n\nLinux\n\nUse apt.\n\n"
        "Yolk\n\nThe yellow.\n\nDeprecated since version 3.0: Use boil instead."
    )


def test_nothing_outside_the_file_is_read_or_passed_through(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Include, raw HTML, a table or image from a file or URL: the file the test writes outside the
    corpus is never read, no markup passes through, and nothing is fetched (the test process may only
    connect to loopback, and port 9 there answers nothing)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("SECRET-FROM-OUTSIDE\n", encoding="utf-8")
    (outside / "secret.csv").write_text("a,b\n1,SECRET-FROM-CSV\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    hostile = f"""\
Hostile
=======

Before.

.. include:: {secret}

.. include:: {secret}
   :literal:

.. raw:: html

   <script>alert("RAW-SCRIPT")</script>

.. raw:: html
   :file: {secret}

.. raw::

   <b>RAW-WITHOUT-FORMAT</b>

.. |x| raw:: html

   <script>RAW-SUBSTITUTION</script>

.. role:: html(raw)
   :format: html

Inline :html:`<script>RAW-ROLE</script>` markup.

.. csv-table:: Data
   :file: {outside / "secret.csv"}

.. csv-table:: Data
   :url: http://127.0.0.1:9/secret.csv

.. image:: {secret}
   :scale: 50
   :loading: embed

.. figure:: http://127.0.0.1:9/figure.png

   The figure's caption.

After.
"""
    path = corpus / "hostile.rst"
    path.write_text(hostile, encoding="utf-8")
    text = extract(path, path.read_bytes(), MAX_BYTES).text
    assert text.startswith("Hostile\n\nBefore.") and text.endswith("After.")
    assert "The figure's caption." in text
    for leaked in ("SECRET", "RAW", "script", "alert", "<b>", "include", "127.0.0.1"):
        assert leaked not in text, (leaked, text)
    assert capfd.readouterr() == ("", "")


_TIMED = textwrap.dedent(
    """
    import json, resource, sys, time
    from assistant.formats.rst import read_rst
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
    laughs = ["|a0|", ""] + [f".. |a{i}| replace:: |a{i + 1}| |a{i + 1}|" for i in range(30)]
    files = {
        "10,000 nested lists": "- " * 10_000 + "deep\\n",
        "4,900 lists nested on one line": "- " * 4_900 + "deep\\n",
        "3,000 nested block quotes": "".join(" " * i + "quote\\n\\n" for i in range(3_000)),
        "1 MB of *": "*" * 1_000_000,
        "1 MB of *a in paragraphs": ("*a " * 20 + "\\n\\n") * 16_000,
        "20 KB of *a in one paragraph": ("*a " * 20 + "\\n") * 333,
        "a billion laughs": "\\n".join(laughs) + "\\n.. |a30| replace:: lol\\n",
    }
    measured = {}
    for name, text in files.items():
        started = time.process_time()
        extracted = read_rst(text.encode(), None)
        seconds = time.process_time() - started
        assert extracted.text == text, name  # the whole file, as written
        measured[name] = [len(text.encode()), seconds, extracted.note]
    print(json.dumps(measured))
    """
)


def test_hostile_files_are_read_as_plain_text_in_bounded_time_with_one_line_why() -> None:
    """What docutils would lose or take minutes over (nesting past its recursion, a line over its limit,
    unclosed inline markup by the thousand, substitutions that double 30 times) is found by a linear
    scan, and the file is read as plain text with a note: in a fresh process under a CPU limit."""
    done = subprocess.run(
        [sys.executable, "-c", _TIMED], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    measured = json.loads(done.stdout)
    notes = {name: str(note) for name, (_, _, note) in measured.items()}
    assert all(note.startswith("read as plain text: ") for note in notes.values()), notes
    why = {name: note.removeprefix("read as plain text: ") for name, note in notes.items()}
    assert why == {
        "10,000 nested lists": "a line of 20,004 characters, over docutils' limit of 10,000",
        "4,900 lists nested on one line": "nested deeper than docutils can parse",
        "3,000 nested block quotes": "indented 2,999 levels deep, deeper than docutils can parse",
        "1 MB of *": "a line of 1,000,000 characters, over docutils' limit of 10,000",
        "1 MB of *a in paragraphs": (
            "320,000 inline markup start-strings (* ` |), over the 10,000 docutils parses in bounded time"
        ),
        "20 KB of *a in one paragraph": (
            "a paragraph of 20,313 characters full of unclosed inline markup would take docutils minutes"
        ),
        "a billion laughs": "substitutions that expand to over 200,000 parts",
    }
    # alone each takes under 0.5 s here; a hang guard, not a speed figure
    assert all(seconds < 20 for _, seconds, _ in measured.values()), measured


def test_a_role_one_file_defines_does_not_reach_the_next() -> None:
    """docutils keeps ``.. role::`` definitions for the process: one file's raw role would hide the
    words of another's ``:ref:``."""
    extract(Path("a.rst"), b".. role:: ref(raw)\n   :format: html\n\nHidden :ref:`here`.\n", None)
    assert extract(Path("b.rst"), b"See :ref:`Install <install>`.\n", None).text == "See Install."


def test_a_file_without_a_title_is_named_as_a_text_file_is(tmp_path: Path) -> None:
    """Not "<string>", which docutils' writer names a document without a title."""
    (tmp_path / "bean-notes.rst").write_text("Water the *beans* daily.\n\nThat is all.\n", encoding="utf-8")
    [document] = load_corpus([tmp_path], MAX_BYTES).documents
    assert (document.title, document.text) == ("bean notes", "Water the beans daily.\n\nThat is all.")


def test_a_file_over_the_limit_is_skipped_before_it_is_parsed(tmp_path: Path) -> None:
    (tmp_path / "big.rst").write_text("Title\n=====\n\n" + "Words of a long file.\n" * 100, encoding="utf-8")
    corpus = load_corpus([tmp_path], max_bytes=1000)
    assert corpus.documents == []
    assert [s.reason for s in corpus.skipped] == [
        "too large: 0.00221 MB, over ASSISTANT_MAX_FILE_MB=0.001 (raise it to index this file)"
    ]


def test_a_file_read_as_plain_text_is_said_once_at_ingest(tmp_path: Path) -> None:
    """The note reaches the person ingesting, as one line on stderr naming the file; the text is kept."""
    (tmp_path / "deep.rst").write_text("- " * 4_900 + "deep\n", encoding="utf-8")
    (tmp_path / "fine.rst").write_text("Fine\n====\n\nThe ferry leaves at noon.\n", encoding="utf-8")
    done = subprocess.run(
        [ASSISTANT, "ingest", str(tmp_path)],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        f"{tmp_path / 'deep.rst'}: read as plain text: nested deeper than docutils can parse\n" in done.stderr
    )
    assert "fine.rst" not in done.stderr
    assert "2 added" in done.stdout


def test_ask_quotes_an_rst_file_at_its_offsets(tmp_path: Path) -> None:
    """``assistant ingest`` of a folder with an .rst file, then ``assistant ask``: the quote is the
    stored (rendered) text at the cited offsets, under the heading it is in."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "README.rst").write_text(README, encoding="utf-8")
    (corpus / "other.txt").write_text("The ferry to the island leaves at noon every day.\n", encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    ingested = subprocess.run(
        [ASSISTANT, "ingest", str(corpus)], capture_output=True, text=True, env=env, check=False, timeout=300
    )
    assert ingested.returncode == 0, ingested.stderr
    asked = subprocess.run(
        [ASSISTANT, "ask", "What is the gate code?", "--json"],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"], answer
    citation = next(c for c in answer["citations"] if c["doc_id"] == "README.rst")
    document = next(d for d in load_corpus([corpus], MAX_BYTES).documents if d.id == "README.rst")
    assert document.text[citation["start"] : citation["end"]] == citation["quote"]
    assert "4417" in citation["quote"] and "``" not in citation["quote"]
    assert citation["section"] == "§ Garden notes"


def test_an_index_from_before_rst_was_read_adds_the_rst_file_and_embeds_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index built when .rst files were skipped: the next ingest reads the .rst file and embeds its
    chunks only; the .txt and .md documents keep their signature (nothing in READINGS for them)."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("The ferry to the island leaves at noon every day.\n", encoding="utf-8")
    (corpus / "guide.md").write_text("# Guide\n\nThe *museum* opens at nine.\n", encoding="utf-8")
    (corpus / "README.rst").write_text(README, encoding="utf-8")
    settings = load_settings(corpus=[corpus], index_dir=tmp_path / "index")
    with monkeypatch.context() as before:
        before.setattr(formats, "SUFFIXES", tuple(s for s in formats.SUFFIXES if s != ".rst"))
        first = Assistant(settings).ingest()
    assert (first.added, first.unchanged) == (2, 0)
    assert [s.path.name for s in first.skipped] == ["README.rst"]
    now = Assistant(settings).ingest()
    assert (now.added, now.updated, now.unchanged, now.removed) == (1, 0, 2, 0)
    assert now.embedded == now.chunks - first.chunks > 0  # the .rst file's chunks, nothing else
