"""Deterministic synthetic documents built from the article's sentences, for ingest at scale.

Each document is a "briefing": a numbered header and a run of the article's sentences with names,
places, seasons and amounts varied per document, so that BM25 and the vectors see many distinct
texts. Most briefings fit one chunk; about one in four runs to several, exercising overlap.
"""

from __future__ import annotations

import random
from pathlib import Path

from assistant.text import sentence_spans

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
