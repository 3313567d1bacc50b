"""reStructuredText, read as it renders: docutils parses the file, a few changes are made to its tree,
its HTML writer writes it, and the web-page reader takes it from there (headings become § sections, a
table is rows of cells), as for Markdown. Through HTML rather than a walk of docutils' tree, so that
every format's text comes out of one builder, with its limits on nesting.

A document is untrusted input, so docutils runs with nothing but the text: no file is included
(``.. include::``, ``:file:`` of a table), no raw HTML passes through, no image or URL is fetched or
opened, and nothing is printed (its messages stay in the tree, never in the text). Sphinx's directives
and roles (``.. automodule::``, ``.. versionadded::``, ``:func:`spam```), which docutils does not know,
are read for their words: a directive's argument and content, a role's text, ``code-block`` as a
literal block. Where docutils gives up on a construct (a malformed table, a directive given an option
it does not take), the construct's source stays in its place, as written; malformed inline markup
(``*unclosed``) reads as written too. What docutils would take minutes over or lose (a line over its
limit, nesting deeper than its recursion, unclosed markup by the thousand in one paragraph, substitutions
that multiply) is found by a linear scan first, and such a file is read as plain text, with a one-line
:attr:`Extracted.note` that says why.

A link's absolute address is kept after its words, ``the documentation (https://…)``, as in Markdown,
unless the words are the address already; a link in a heading keeps only its words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from types import SimpleNamespace
from typing import Any, ClassVar

from docutils import nodes, utils
from docutils.core import publish_doctree, publish_from_doctree
from docutils.parsers.rst import Directive, Parser, directives, roles, states
from docutils.readers import standalone
from docutils.transforms import Transform, references
from docutils.writers import html4css1

from .base import Extracted
from .html import read_html
from .plain import decode_text, read_text

_PASSTHROUGH = re.compile(r"(?i)\.\.\s+(?:\|[^|]*\|\s+)?(?:raw|include)\s*::")
"""A raw or include directive (or a substitution defined by one), whose source is never text."""
_LONE_MARKUP = re.compile(r"\.\.\s[^\n]*")
_ERROR = 3
_RAW_DISABLED = "raw (and derived) roles disabled"
_SHOWN_TARGET = re.compile(r"(?i)(?:https?://|mailto:)\S+")
_EXPLICIT_TITLE = re.compile(r"^(.+?)\s*(?<!\x00)<(.*?)>$", re.DOTALL)

SETTINGS: dict[str, Any] = {
    "file_insertion_enabled": False,  # .. include::, .. raw:: :file:, .. csv-table:: :file: read nothing
    "raw_enabled": False,  # .. raw:: html and the raw role pass nothing through
    "report_level": 5,  # no message is written into the output ...
    "halt_level": 5,  # ... nor stops the parse (nothing raises on a bad file)
    "warning_stream": False,  # ... nor goes to stderr
    "traceback": True,  # an error raises (and becomes Unreadable) instead of sys.exit
    "input_encoding": "unicode",
    "output_encoding": "unicode",
    "syntax_highlight": "none",  # code as written; Pygments is not run on it
    "embed_stylesheet": False,
    "stylesheet_path": "",  # no CSS file is read or linked
    "math_output": "HTML",  # not MathJax's URL
    "_disable_config": True,  # no docutils.conf from the working directory or the home folder
    "toc_backlinks": "none",  # a heading is its words, not a link back to a table of contents
    "docinfo_xform": False,  # a field list at the top is read like any other (``Author: …``)
    "smart_quotes": False,  # quotes as written: a quote is searched for as typed
}
"""docutils' settings for an untrusted file (docutils.sourceforge.io/docs/user/config.html)."""

_NOTHING = frozenset(
    """toctree index highlight literalinclude currentmodule tabularcolumns autosummary
    inheritance-diagram graphviz digraph graph plot mermaid""".split()
)
"""Sphinx directives that hold no prose of the document: a list of files, an index entry, a file."""
_LITERAL = frozenset(
    """code-block sourcecode code doctest testcode testoutput testsetup testcleanup ipython
    jupyter-execute prompt""".split()
)
"""Code, as written (Sphinx's code-block takes options docutils' code would refuse)."""
_LABELS = {
    "versionadded": "New in version {}",
    "versionchanged": "Changed in version {}",
    "deprecated": "Deprecated since version {}",
    "versionremoved": "Removed in version {}",
    "seealso": "See also",
}
_CONTENT_ONLY = re.compile(r"auto\w*|\w+:auto\w*|module|only|ifconfig")
"""Directives whose argument is not words of the document: autodoc's import paths, a module's name, the
condition of ``only`` (its content is read as it is: the condition is not known)."""


class _AnyOption(dict[str, Callable[[str], str]]):
    """Every option is taken as written: a directive docutils does not know may have any."""

    def __missing__(self, name: str) -> Callable[[str], str]:
        return directives.unchanged

    def __bool__(self) -> bool:
        return True


class _Generic(Directive):
    """A directive docutils does not know (Sphinx's, an extension's): its argument and content, read."""

    optional_arguments = 2  # Sphinx's versionadded: the version, then the words on its line
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = _AnyOption()
    has_content = True

    def run(self) -> list[nodes.Node]:
        name = self.name.lower().removeprefix("py:").removeprefix("rst:")
        if name in _NOTHING:
            return []
        if name in _LITERAL:
            code = "\n".join(self.content)
            return [nodes.literal_block(code, code)] if code.strip() else []
        made: list[nodes.Node] = []
        if name in _LABELS:
            label, words = _LABELS[name], self.arguments
            if "{}" in label and words:
                label, words = label.format(words[0]), words[1:]
            inline, messages = self.state.inline_text(" ".join(words), self.lineno)
            made.append(nodes.paragraph("", "", nodes.Text(f"{label}: " if words else f"{label}:"), *inline))
            made.extend(messages)
        elif self.arguments and not _CONTENT_ONLY.fullmatch(name):
            argument = " ".join(self.arguments)
            made.append(nodes.paragraph("", "", nodes.literal(argument, argument)))
        if self.content:
            holder = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, holder)
            made.extend(holder.children)
        return made


def _role_words(text: str) -> str:
    """What Sphinx shows of a role docutils does not know: ``:ref:`Install <install>``` → Install,
    ``:func:`~spam.eggs``` → eggs, ``:class:`!Spam``` → Spam."""
    shown = utils.unescape(text)
    if explicit := _EXPLICIT_TITLE.match(shown):
        return explicit.group(1)
    if shown.startswith("~"):
        return shown[1:].rsplit(".", 1)[-1]
    return shown.lstrip("!")


def _directive(state: Any, match: re.Match[str], **option_presets: Any) -> Any:
    """docutils' ``Body.directive``, except that a directive it does not know is read by :class:`_Generic`
    (its argument and content), where docutils would put an error message in its place."""
    type_name = match.group(1)
    directive_class, messages = directives.directive(type_name, state.memo.language, state.document)
    state.parent += messages
    if directive_class is None or type_name.lower() in _LITERAL | _NOTHING:
        directive_class = _Generic
    return state.run_directive(directive_class, match, type_name, option_presets)


def _inliner() -> states.Inliner:
    """docutils' inliner, but an unknown role reads as its words (:func:`_role_words`), not as an
    error and its source. (Patched on the instance: the inliner reads its patterns from its own class's
    attributes, which a subclass does not hold.)"""
    inliner = states.Inliner()
    known = inliner.interpreted

    def interpreted(rawsource: str, text: str, role: str, lineno: int) -> Any:
        function, messages = roles.role(role, inliner.language, lineno, inliner.reporter)
        if function is None:
            return [nodes.literal(rawsource, _role_words(text))], messages
        return known(rawsource, text, role, lineno)

    setattr(inliner, "interpreted", interpreted)  # noqa: B010 (a method replaced on one instance)
    return inliner


_NESTED_MACHINES: list[Any] = []
"""docutils keeps finished nested state machines for reuse, in one list for all its states: these
states keep theirs apart, so that neither parser is given the other's."""


@cache
def _state_classes() -> tuple[type, ...]:
    """docutils' state classes, except that explicit markup (``.. name::``) is read with
    :func:`_directive`, in nested blocks too (the state machine knows states by class name, so the
    names stay)."""
    constructs = [
        (_directive if method is states.Body.directive else method, pattern)
        for method, pattern in states.Body.explicit.constructs
    ]
    explicit = SimpleNamespace(**{**vars(states.Body.explicit), "constructs": constructs})
    return tuple(_tolerant(cls, explicit) for cls in states.state_classes)


def _tolerant(cls: type, explicit: SimpleNamespace) -> type:
    def __init__(self: Any, state_machine: Any, debug: bool = False) -> None:
        states.RSTState.__init__(self, state_machine, debug)
        self.nested_sm_kwargs = {"state_classes": _state_classes(), "initial_state": "Body"}

    namespace: dict[str, Any] = {"__init__": __init__, "nested_sm_cache": _NESTED_MACHINES}
    if issubclass(cls, states.Body):
        namespace["explicit"] = explicit
    return type(cls.__name__, (cls,), namespace)


def _parser() -> Parser:
    parser = Parser(inliner=_inliner())
    parser.state_classes = _state_classes()
    return parser


class _TooMuchWork(Exception):
    """docutils would take minutes on this file; the message says why, for the note."""


def read_rst(data: bytes, max_bytes: int | None) -> Extracted:
    source = decode_text(data)
    known_roles = dict(roles._roles)
    try:
        _check_work(source)
        tree = publish_doctree(source, reader=_Reader(), parser=_parser(), settings_overrides=SETTINGS)
    except _TooMuchWork as exc:
        return _as_plain(data, max_bytes, str(exc))
    except RecursionError:
        return _as_plain(data, max_bytes, "nested deeper than docutils can parse")
    finally:  # docutils registers a file's ``.. role::`` for the whole process: not for the next file
        roles._roles.clear()
        roles._roles.update(known_roles)
    _settle_messages(tree)
    _drop_furniture(tree)
    _show_targets(tree)
    html = publish_from_doctree(tree, writer=html4css1.Writer(), settings_overrides=SETTINGS)
    extracted = read_html(html.encode("utf-8") if isinstance(html, str) else html, max_bytes)
    # the document's title, if it has one: without, docutils' writer would name it "<string>"
    return replace(extracted, title=str(tree["title"]) if tree.get("title") else None)


def _as_plain(data: bytes, max_bytes: int | None, why: str) -> Extracted:
    """The whole file as written, and a note that says why it was not read as reStructuredText."""
    return Extracted(text=read_text(data, max_bytes).text, note=f"read as plain text: {why}")


LINE_LIMIT = 10_000
"""docutils' ``line_length_limit``: it stops parsing at a longer line, and everything after is lost."""
MAX_INLINE_WORK = 10_000_000
"""docutils looks for the end of every inline start-string (``*``, `````, ``|``) to the end of its
paragraph, so a paragraph costs about start-strings × characters: 40,000 characters of ``*a *a`` (13,000
start-strings, 5·10⁸) take 15 s here. Of 8,101 real files on this machine (CMake's and the AWS CLI's
Sphinx sources, package changelogs) the costliest paragraph has 1.1·10⁶."""
MAX_START_STRINGS = 10_000
"""Inline start-strings in the whole file: each one left unclosed costs docutils a message, about
0.1 ms here, so 1 MB of ``*a *a`` would take half a minute. Of those 8,101 files the most has 653."""
MAX_SUBSTITUTED = 200_000
"""Nodes that substitutions may expand to: definitions that use each other twice, 30 deep, would make
a billion (a "billion laughs"), which docutils would build."""

MAX_DEPTH = 100
"""Levels of indentation (block quotes in block quotes, lists in lists): docutils parses each level
with recursive calls and fails at about 170 (Python's recursion limit), after copying the rest of the
file at every level. Of those 8,101 files the deepest nests 12."""

_BLOCK = re.compile(r"\n[ \t]*\n")
_START_STRING = re.compile(r"""(?:^|(?<=[\s(\[{<'"]))[*`|](?=\S)""", re.MULTILINE)


def _check_work(source: str) -> None:
    """Refuse, before parsing, what docutils would drop or take minutes over: linear in the text."""
    lines = source.splitlines()
    longest = max((len(line) for line in lines), default=0)
    if longest > LINE_LIMIT:
        raise _TooMuchWork(f"a line of {longest:,} characters, over docutils' limit of {LINE_LIMIT:,}")
    if (depth := _indentation_depth(lines)) > MAX_DEPTH:
        raise _TooMuchWork(f"indented {depth:,} levels deep, deeper than docutils can parse")
    if (starts := len(_START_STRING.findall(source))) > MAX_START_STRINGS:
        raise _TooMuchWork(
            f"{starts:,} inline markup start-strings (* ` |), over the {MAX_START_STRINGS:,} docutils "
            "parses in bounded time"
        )
    for block in _BLOCK.split(source):
        if len(block) * len(_START_STRING.findall(block)) > MAX_INLINE_WORK:
            raise _TooMuchWork(
                f"a paragraph of {len(block):,} characters full of unclosed inline markup "
                "would take docutils minutes"
            )


def _indentation_depth(lines: list[str]) -> int:
    """How many indentations are open at once, at most: a stack of indents, like Python's tokenizer."""
    stack = [0]
    deepest = 0
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while indent < stack[-1]:
            stack.pop()
        if indent > stack[-1]:
            stack.append(indent)
            deepest = max(deepest, len(stack) - 1)
    return deepest


class _BoundedSubstitutions(references.Substitutions):
    """docutils' substitutions, after a count of the nodes they would make (:data:`MAX_SUBSTITUTED`)."""

    def apply(self) -> None:
        document = self.document
        defined, normed = document.substitution_defs, document.substitution_names

        def definition(name: str) -> nodes.substitution_definition | None:
            key = name if name in defined else normed.get(name.lower())
            return defined.get(key) if key is not None else None

        sizes: dict[str, int] = {}

        def size(name: str) -> int:
            """Nodes one reference to ``name`` becomes; a circular one (docutils reports it) counts 1."""
            found = definition(name)
            if found is None or sizes.get(name) == 0:
                return 1
            if name not in sizes:
                sizes[name] = 0  # being counted
                nested = sum(size(ref["refname"]) for ref in found.findall(nodes.substitution_reference))
                sizes[name] = min(len(list(found.findall())) + nested, MAX_SUBSTITUTED + 1)
            return sizes[name]

        total = 0
        for reference in document.findall(nodes.substitution_reference):
            total += size(reference["refname"])
            if total > MAX_SUBSTITUTED:
                raise _TooMuchWork(f"substitutions that expand to over {MAX_SUBSTITUTED:,} parts")
        super().apply()


class _Reader(standalone.Reader):
    def get_transforms(self) -> list[type[Transform]]:
        return [
            _BoundedSubstitutions if transform is references.Substitutions else transform
            for transform in super().get_transforms()
        ]


def _settle_messages(tree: nodes.document) -> None:
    """docutils' messages leave the tree, in one pass (its own filter is quadratic in their number):
    a construct marked problematic (``*unclosed``) becomes its text as written, and where docutils
    gave up on a construct (an error: a malformed table, a directive given an option it does not take),
    the construct's source, which the message holds as a literal block, takes the message's place, so
    no text is lost. Never the source of a raw or include directive."""
    marked = list(tree.findall(lambda node: isinstance(node, nodes.system_message | nodes.problematic)))
    raw = {
        message_id
        for message in marked
        if isinstance(message, nodes.system_message) and _RAW_DISABLED in message.astext()
        for message_id in message["ids"]
    }
    parents = {id(node.parent): node.parent for node in marked if node.parent is not None}
    for parent in parents.values():
        settled: list[nodes.Node] = []
        for child in parent.children:
            if isinstance(child, nodes.problematic):
                if child.get("refid") not in raw:  # a raw role's text is not passed through either
                    settled.append(nodes.Text(child.astext()))
            elif not isinstance(child, nodes.system_message):
                settled.append(child)
            elif child["level"] >= _ERROR:
                settled.extend(
                    source
                    for source in child.children
                    if isinstance(source, nodes.literal_block) and _kept(source.astext())
                )
        parent[:] = settled


def _kept(source: str) -> bool:
    """The source of a construct docutils gave up on is kept, unless it passes markup or a file through,
    or is one line of markup with nothing to read (``.. note::`` without its content)."""
    return not _PASSTHROUGH.match(source) and not _LONE_MARKUP.fullmatch(source.strip())


def _drop_furniture(tree: nodes.document) -> None:
    """A generated table of contents repeats the headings, and an image is not text (the writer would
    open its file): they go. A sidebar holds words of the document, which the web-page reader would take
    for a page's side bar, and docutils' writer makes two-cell tables of a footnote and a field: each
    becomes its words, labelled (``[1] Measured in 2019.``, ``Owner: the society``)."""
    for node in list(tree.findall(lambda node: isinstance(node, _UNWRAPPED))):
        if isinstance(node, nodes.sidebar):
            titles = (nodes.title, nodes.subtitle)
            node[:] = [nodes.paragraph("", "", *c.children) if isinstance(c, titles) else c for c in node]
        elif isinstance(node, nodes.footnote | nodes.citation):
            label = next((c.astext() for c in node.children if isinstance(c, nodes.label)), "")
            _label(f"[{label}] ", [c for c in node.children if not isinstance(c, nodes.label)], node)
        elif isinstance(node, nodes.field):
            name = next((c.astext() for c in node.children if isinstance(c, nodes.field_name)), "")
            _label(
                f"{name}: ", [p for c in node.children if isinstance(c, nodes.field_body) for p in c], node
            )
    parents = {}
    for node in tree.findall(lambda node: isinstance(node, _UNWRAPPED) or _dropped(node)):
        parent = node.parent
        while isinstance(parent, _UNWRAPPED):  # its parent is spliced with it
            parent = parent.parent
        if parent is not None:
            parents[id(parent)] = parent
    for parent in parents.values():
        parent[:] = _spliced(parent)


_UNWRAPPED = nodes.sidebar | nodes.footnote | nodes.citation | nodes.field | nodes.field_list


def _dropped(node: nodes.Node) -> bool:
    return isinstance(node, nodes.image | nodes.raw) or (
        isinstance(node, nodes.topic) and "contents" in node["classes"]
    )


def _spliced(parent: nodes.Node) -> list[nodes.Node]:
    """``parent``'s children, each dropped, replaced by its own (spliced in turn), or kept: one pass
    (docutils' ``replace_self`` and ``remove`` look a node up among its siblings, which is quadratic)."""
    spliced: list[nodes.Node] = []
    for child in parent.children:
        if isinstance(child, _UNWRAPPED):
            spliced.extend(_spliced(child))
        elif not _dropped(child):
            spliced.append(child)
    return spliced


def _label(label: str, body: list[nodes.Node], node: nodes.Element) -> None:
    """``node``'s children become its body, the label before the first paragraph's words."""
    if body and isinstance(body[0], nodes.paragraph):
        body[0].insert(0, nodes.Text(label))
    else:
        body.insert(0, nodes.paragraph("", label.strip()))
    node[:] = body


def _show_targets(tree: nodes.document) -> None:
    """Each absolute link's address after its words, unless the words are the address already or the
    link is in a heading."""
    shown = [reference for reference in tree.findall(nodes.reference) if _address(reference)]
    for parent in {id(r.parent): r.parent for r in shown if r.parent is not None}.values():
        with_addresses: list[nodes.Node] = []
        for child in parent.children:
            with_addresses.append(child)
            if isinstance(child, nodes.reference) and (address := _address(child)):
                with_addresses.append(nodes.Text(f" ({address})"))
        parent[:] = with_addresses


def _address(reference: nodes.reference) -> str | None:
    """The address to show after a link's words, if any."""
    href = str(reference.get("refuri", ""))
    words = reference.astext().strip()
    if not words or not _SHOWN_TARGET.fullmatch(href) or href.removeprefix("mailto:") in words:
        return None
    if any(isinstance(parent, nodes.title) for parent in _ancestors(reference)):
        return None
    return href.removeprefix("mailto:")


def _ancestors(node: nodes.Node) -> list[nodes.Node]:
    found: list[nodes.Node] = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found
