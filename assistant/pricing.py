"""What an answer cost, where the price is known: list prices in USD per million tokens."""

from __future__ import annotations

from .settings import Settings

# (prompt, completion) USD per 1M tokens, OpenAI list prices. Longest matching prefix wins, so dated
# snapshots ("gpt-4o-mini-2024-07-18") are priced like their family. Override with
# ASSISTANT_PRICE_PER_MTOK_PROMPT / _COMPLETION for other servers.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
    "gpt-3.5-turbo": (0.50, 1.50),
}


def cost(settings: Settings, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for one call, or None when the model's price is not known (local servers)."""
    prices = None
    if settings.price_per_mtok_prompt is not None and settings.price_per_mtok_completion is not None:
        prices = (settings.price_per_mtok_prompt, settings.price_per_mtok_completion)
    elif settings.base_url is None or "api.openai.com" in settings.base_url:
        matches = [name for name in PRICES if settings.model.startswith(name)]
        if matches:
            prices = PRICES[max(matches, key=len)]
    if prices is None:
        return None
    return round((prompt_tokens * prices[0] + completion_tokens * prices[1]) / 1_000_000, 8)
