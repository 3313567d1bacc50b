"""SQuAD 2.0 articles as eval sets: text nobody here wrote, with unanswerable questions written to look
answerable.

Each article becomes one document (its paragraphs joined by a blank line), written to a cache folder
that the index ingests. An answerable question becomes a single-fact case: the answer must contain one
of its gold answers (case-insensitive, white space normalised), and its evidence is the sentence that
holds the first one. An unanswerable question becomes a refusal case. ``paragraphs`` keeps the
questions of a range of paragraphs (1-based, inclusive, counted within each article of a file with
several) — calibrate on one range, report on another — while the documents stay whole, so retrieval has
the same haystack either way. Articles whose titles make the same file name get numbered files, so
none overwrites another.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from pathlib import Path
from typing import Any

import platformdirs

from ..errors import ConfigError
from ..text import sentence_spans
from .dataset import Case, Dataset

PARAGRAPH_GAP = "\n\n"


def answer_pattern(answer: str) -> str:
    """A case-insensitive regex that finds ``answer`` whatever the white space between its words."""
    return "(?i)" + r"\s+".join(re.escape(word) for word in answer.split())


def parse_range(text: str) -> tuple[int, int]:
    """ "23-44" → (23, 44); "7" → (7, 7)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", text)
    if not match:
        raise ConfigError(f"paragraph range {text!r}: expected FIRST-LAST, e.g. 23-44")
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if not 1 <= first <= last:
        raise ConfigError(f"paragraph range {text!r}: expected 1 <= FIRST <= LAST")
    return first, last


def load_squad(
    path: Path, paragraphs: tuple[int, int] | None = None, cache_dir: Path | None = None
) -> Dataset:
    """The SQuAD 2.0 file ``path`` as a ``Dataset`` whose corpus folder holds one document per article."""
    try:
        raw = json.loads(path.read_bytes())
        articles: list[dict[str, Any]] = raw["data"]
    except OSError as exc:
        raise ConfigError(f"cannot read eval set {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"{path}: not a SQuAD 2.0 file (expected a JSON object with 'data')") from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    corpus = (cache_dir or platformdirs.user_cache_path("assistant") / "squad") / f"{path.stem}-{digest}"
    corpus.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    names: set[str] = set()
    for article in articles:
        texts = [p["context"] for p in article["paragraphs"]]
        document = PARAGRAPH_GAP.join(texts)
        name = _unique(_file_name(article["title"]), names)
        target = corpus / f"{name}.txt"
        if not target.exists() or target.read_text(encoding="utf-8") != document:
            target.write_text(document, encoding="utf-8")
        for number, paragraph in enumerate(article["paragraphs"], start=1):
            if paragraphs is None or paragraphs[0] <= number <= paragraphs[1]:
                cases += [_case(number, qa, paragraph["context"]) for qa in paragraph["qas"]]
    if not cases:
        raise ConfigError(f"{path}: no questions in paragraphs {paragraphs}")
    name = "squad-" + "-".join(_file_name(a["title"]).lower() for a in articles)[:40]
    if paragraphs:
        name += f"-p{paragraphs[0]}-{paragraphs[1]}"
    return Dataset(name=name, corpus=corpus, cases=cases, path=path)


def _case(number: int, qa: dict[str, Any], context: str) -> Case:
    case_id = f"p{number:02d}-{re.sub(r'[^a-z0-9]+', '', str(qa['id']).lower())}"
    question = " ".join(qa["question"].split())
    if qa.get("is_impossible") or not qa["answers"]:
        refusal = {"id": case_id, "kind": "unanswerable", "question": question, "refuse": True}
        return Case.model_validate(refusal)
    answers = list(dict.fromkeys(a["text"].strip() for a in qa["answers"] if a["text"].strip()))
    first = qa["answers"][0]
    start = first["answer_start"]
    if context[start : start + len(first["text"])] != first["text"]:
        start = context.find(first["text"])  # a few SQuAD offsets are off by some characters
    evidence = _sentences_around(context, start, start + len(first["text"]))
    expect = {
        "question": question,
        "one_of": [answer_pattern(a) for a in answers],
        "answers": answers,
        "evidence": [evidence],
    }
    return Case.model_validate({"id": case_id, "kind": "single-fact", **expect})


def _sentences_around(context: str, start: int, end: int) -> str:
    """The sentence (or run of sentences) of ``context`` that holds ``context[start:end]``."""
    spans = [s for s in sentence_spans(context) if s.start < end and start < s.end] or sentence_spans(context)
    return context[min(s.start for s in spans) : max(s.end for s in spans)]


def _file_name(title: str) -> str:
    return re.sub(r"[^\w.-]+", "_", title).strip("._") or "article"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` … when an earlier article took it (in any letter case, as a
    case-insensitive file system would), recorded in ``taken``."""
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{name}-{number}"
    taken.add(candidate.lower())
    return candidate


# -- the SQuAD metrics of an answer's lead span ----------------------------------------------------------

_MARKER = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


def lead_span(answer: str) -> str:
    """What an answer leads with: the text before its first citation marker, else its first sentence."""
    marker = _MARKER.search(answer)
    if marker:
        return answer[: marker.start()].strip()
    spans = sentence_spans(answer)
    return answer[spans[0].start : spans[0].end] if spans else answer.strip()


def squad_normalize(text: str) -> str:
    """The official SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", _PUNCTUATION.sub("", text.lower())).split())


def exact_match(prediction: str, answers: list[str]) -> float:
    return float(any(squad_normalize(prediction) == squad_normalize(a) for a in answers))


def f1(prediction: str, answers: list[str]) -> float:
    """The best token-overlap F1 of ``prediction`` against any gold answer."""
    predicted = squad_normalize(prediction).split()
    best = 0.0
    for answer in answers:
        gold = squad_normalize(answer).split()
        common = sum(min(predicted.count(t), gold.count(t)) for t in set(predicted) & set(gold))
        if common:
            precision, recall = common / len(predicted), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best
