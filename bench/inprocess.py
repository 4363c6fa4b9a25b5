"""In-process cost of one screening (validate -> evaluate -> serialize), beside zen-engine."""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from service import rulebook
from service.screening import outcome
from service.screening.screener import Screener

from .zen_peer import ZenPeer, disagreements

CLASS_SAMPLE = 5000


def median_us(call: Callable[[Any], object], items: Iterable[Any]) -> float:
    """Median wall time of `call(item)` over the items, in µs."""
    clock = time.perf_counter_ns
    times = []
    for item in items:
        start = clock()
        call(item)
        times.append(clock() - start)
    return statistics.median(times) / 1000


@dataclass(frozen=True)
class Figures:
    full_warm: float
    full_cold: float
    full_uncached: float
    zen: float
    stages: dict[str, float]
    checked_examples: int
    checked_answer_sets: int
    checked_classes: int

    @property
    def zen_ratio(self) -> float:
        return self.full_warm / self.zen


def measure(answer_sets: Sequence[dict[str, Any]], all_classes: bool = False, passes: int = 3) -> Figures:
    """`all_classes`: check the zen table on every answer class (about a minute), not a sample."""
    book = rulebook.load()
    peer = ZenPeer(book)
    reference = Screener(book, cache_max_classes=0)
    loaded = [reference.load(answers) for answers in answer_sets]
    cases = list(reference.space.cases())
    if not all_classes:
        cases = random.Random(6).sample(cases, CLASS_SAMPLE)
    examples = [reference.load(example.answers) for example in book.examples]
    checked = [*examples, *loaded, *cases]
    found = disagreements(peer, reference, checked)
    if found:
        raise SystemExit("the zen-engine table disagrees with durable-rules:\n" + "\n".join(found[:5]))

    bodies = [json.dumps(answers) for answers in answer_sets]
    screener = Screener(book)

    def full(body: str, screener: Screener = screener) -> str:
        return screener.screen(screener.load(json.loads(body))).json()

    full_cold = median_us(full, bodies)  # a fresh cache: the first answer set of each class misses
    full_warm = statistics.median(median_us(full, bodies) for _ in range(passes))
    uncached = Screener(book, cache_max_classes=0)
    full_uncached = median_us(lambda body: full(body, uncached), bodies)
    zen = statistics.median(median_us(peer.decide, loaded) for _ in range(passes))

    stages = {
        "parse JSON (json.loads)": median_us(json.loads, bodies),
        "validate: marshmallow": median_us(screener.schema.load, answer_sets),
        "validate: plain-answers fast path": median_us(screener.plain_answers.load, answer_sets),
        "answer class index": median_us(screener.space.index, loaded),
        "evaluate: durable-rules + precedence": median_us(
            lambda answers: outcome.resolve(book, reference.matching_rules(answers)), loaded),
        "evaluate: outcome cache hit": median_us(screener.screen, loaded),
        "cache hit + to_json + json.dumps": median_us(
            lambda answers: json.dumps(screener.screen(answers).outcome.to_json(book), separators=(",", ":")),
            loaded),
        "cache hit + cached JSON, id spliced": median_us(lambda answers: screener.screen(answers).json(), loaded),
    }
    return Figures(full_warm, full_cold, full_uncached, zen, stages, len(examples), len(loaded), len(cases))
