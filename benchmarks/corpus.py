"""Deterministic synthetic documents built from the article's sentences, for ingest at scale.

Each document is a "briefing": a numbered header and a run of the article's sentences with names,
places, seasons and amounts varied per document, so that BM25 and the vectors see many distinct
texts. Most briefings fit one chunk; about one in four runs to several, exercising overlap.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import re
from pathlib import Path
from typing import Any

from assistant.text import STOPWORDS, sentence_spans

ARTICLE = Path(__file__).resolve().parent.parent / "corpus" / "trump-invites-takaichi.txt"
SEED_QUESTIONS = ("When is the visit?", "What did China do?")
ARTICLE_QUESTIONS = (
    "Who invited Takaichi?",
    "Where did Beijing stage military exercises?",
    "How large was the arms sale to Taiwan?",
    "What anniversary does the year mark?",
    "Which news agency mentioned the cherry blossom festival?",
    "When did Takaichi take office?",
    "Where did Trump address U.S. troops?",
    "What did Takaichi say about Taiwan in late 2025?",
    "Was Trump informed of the Chinese military exercises in advance?",
    "What partnership did the leaders agree to promote?",
    "Where might Trump travel in April?",
    "What is the U.S. obligated to provide Taiwan?",
)

_VARIANTS: dict[str, tuple[str, ...]] = {
    "Takaichi": ("Takaichi", "Ishiba", "Nakamura", "Suzuki", "Tanaka", "Watanabe", "Yamamoto", "Kobayashi"),
    "Taiwan": ("Taiwan", "Okinawa", "Guam", "Luzon", "Hainan", "Jeju"),
    "spring": ("spring", "summer", "autumn", "winter"),
    "October": ("January", "March", "May", "July", "September", "October", "November"),
    "April": ("February", "April", "June", "August", "December"),
    "Washington": ("Washington", "Boston", "Chicago", "Seattle", "Denver", "Atlanta"),
}
_CITIES = ("Tokyo", "Osaka", "Seoul", "Manila", "Canberra", "Honolulu", "Singapore", "Taipei")


def article_sentences() -> list[str]:
    text = ARTICLE.read_text(encoding="utf-8")
    return [text[s.start : s.end] for s in sentence_spans(text)]


def briefing(number: int, sentences: list[str]) -> str:
    """Document ``number``: the same every time, whatever else is generated."""
    rng = random.Random(number)
    choice = {word: rng.choice(options) for word, options in _VARIANTS.items()}
    length = rng.randint(3, 5) if rng.random() < 0.75 else rng.randint(8, 18)
    header = f"Briefing {number} from {rng.choice(_CITIES)}, item {rng.randint(1, 999)}."
    body = []
    for original in rng.sample(sentences, min(length, len(sentences))):
        varied = original
        for word, replacement in choice.items():
            varied = varied.replace(word, replacement)
        body.append(varied.replace("$11 billion", f"${rng.randint(2, 95)} billion"))
    return " ".join([header, *body]) + "\n"


def write_corpus(folder: Path, documents: int) -> Path:
    """``documents`` briefings under ``folder`` (500 per sub-folder), returned for ingest."""
    sentences = article_sentences()
    for number in range(documents):
        path = folder / f"part-{number // 500:03d}" / f"briefing-{number:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(briefing(number, sentences), encoding="utf-8")
    return folder


def novel_questions(documents: int, count: int, seed: int) -> list[str]:
    """Questions never asked before in the run: no embedding cache can help them."""
    rng = random.Random(seed)
    templates = (
        "When is the visit in briefing {n}?",
        "What did China do according to briefing {n}?",
        "How large was the arms sale in briefing {n}?",
        "Who was invited in briefing {n}?",
    )
    return [rng.choice(templates).format(n=rng.randrange(documents)) for _ in range(count)]


# -- real text ----------------------------------------------------------------------------------

PLAINTEXT = Path(__file__).resolve().parent.parent / "evals" / "plaintext" / "corpus"
SYSTEM_DOCS = Path("/usr/share/doc")
_DOC_NAMES = re.compile(r"^(?:NEWS|README|FAQ|CHANGES|THANKS|AUTHORS|TODO)|\.(?:txt|md|rst)$", re.IGNORECASE)


def _system_documents() -> list[Path]:
    """Plain-text documentation installed on this machine (NEWS, README, FAQ, … possibly gzipped)."""
    if not SYSTEM_DOCS.is_dir():
        return []
    found = []
    for path in sorted(SYSTEM_DOCS.rglob("*")):
        name = path.name.removesuffix(".gz")
        if path.is_file() and not path.is_symlink() and _DOC_NAMES.search(name):
            found.append(path)
    return found


def _text_of(path: Path) -> str | None:
    """The file's text if it is UTF-8 prose-like text of a useful size, else None."""
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return None
    letters = sum(c.isalpha() for c in text[:20000])
    if "\x00" in text or len(text) < 2000 or letters < 0.5 * min(len(text), 20000):
        return None
    return text


def write_real_corpus(folder: Path, target_bytes: int) -> dict[str, Any]:
    """Real text nobody here wrote, about ``target_bytes`` of it, under ``folder``: the plain-text
    eval corpus, then documentation installed under /usr/share/doc (decompressed), in a fixed order,
    duplicates dropped. Returns what was taken, for the record (the second source depends on the
    machine's packages)."""
    sources = sorted(p for p in PLAINTEXT.rglob("*") if p.is_file()) + _system_documents()
    seen: set[str] = set()
    written, files = 0, 0
    for path in sources:
        if written >= target_bytes:
            break
        text = _text_of(path)
        if text is None:
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        source = ("plaintext", PLAINTEXT) if path.is_relative_to(PLAINTEXT) else ("doc", SYSTEM_DOCS)
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{source[0]}/{path.relative_to(source[1])}").strip("-")
        target = folder / f"part-{files // 500:03d}" / f"{name.removesuffix('.gz')}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written += len(text.encode())
        files += 1
    return {"files": files, "bytes": written, "sources": [str(PLAINTEXT), str(SYSTEM_DOCS)]}


_WORD = re.compile(r"[A-Za-z][a-z]{3,}")


class QuestionMaker:
    """Questions never asked before in a run: each names three or four words of one sentence of a
    random document, in the sentence's order ("What does it say about gzip option quiet?")."""

    def __init__(self, folder: Path, seed: int) -> None:
        self._files = sorted(folder.rglob("*.txt"))
        self._rng = random.Random(seed)
        self._sentences: dict[Path, list[str]] = {}
        self._asked: set[str] = set()

    def __call__(self, count: int) -> list[str]:
        questions: list[str] = []
        while len(questions) < count:
            path = self._rng.choice(self._files)
            if path not in self._sentences:
                text = path.read_text(encoding="utf-8")[:200_000]
                self._sentences[path] = [text[s.start : s.end] for s in sentence_spans(text)]
            if not self._sentences[path]:
                continue
            sentence = self._rng.choice(self._sentences[path])
            words = [w for w in _WORD.findall(sentence) if w.lower() not in STOPWORDS]
            if len(words) < 4:
                continue
            picked = sorted(self._rng.sample(range(len(words)), self._rng.choice((3, 4))))
            question = self._rng.choice(_TEMPLATES).format(" ".join(words[i] for i in picked))
            if question not in self._asked:
                self._asked.add(question)
                questions.append(question)
        return questions


_TEMPLATES = ("What does it say about {}?", "What about {}?", "Which {} is meant?", "How is {} described?")
