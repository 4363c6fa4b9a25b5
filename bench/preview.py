"""Latency of POST /v1/screenings/preview, in process: p50/p99 per body, cold and warm.

Run: .venv/bin/python bench/preview.py [--rounds N]

"cold" clears the per-app analysis cache before every request, so each one enumerates the
completions again; "warm" is the same body again and again (what a busy form sees for the
first questions). Both go through the Flask test client: JSON parsing, validation, the preview
and, when settled, the engine runs for the screening. The target is p99 <= 50 ms, even for {}.
Start-up is timed too (create_app, which builds the decision table).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from service import create_app
from service.screening.preview import Previewer

BODIES: dict[str, dict[str, Any]] = {
    "{}": {},
    "woman": {"sex": "female"},
    "contraindication": {"hip_pinch": True},
    "half": {"sex": "male", "lifting_style": "sumo", "hip_ir": "normal", "sports": ["running"]},
    "settled, details open": {"sex": "male", "hip_ir": "limited", "hip_pinch": False, "structural_conditions": [],
                              "pain_severity": 0, "pain_areas": []},
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    rounds = parser.parse_args().rounds

    started = time.perf_counter()
    app = create_app()
    startup = time.perf_counter() - started
    started = time.perf_counter()
    create_app()
    second = time.perf_counter() - started
    previewer: Previewer = app.extensions["preview"]
    started = time.perf_counter()
    Previewer(app.extensions["screening"])
    table = time.perf_counter() - started
    print(f"start-up: create_app {startup * 1000:.0f} ms (again in the same process: {second * 1000:.0f} ms), "
          f"building the preview's decision table alone {table * 1000:.0f} ms")

    client = app.test_client()
    print(f"{'body':<24}{'mode':<6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, body in BODIES.items():
        for mode in ("cold", "warm"):
            samples = []
            for _ in range(rounds):
                if mode == "cold":
                    previewer.analyse.cache_clear()
                began = time.perf_counter()
                response = client.post("/v1/screenings/preview", json=body)
                samples.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)
            print(f"{name:<24}{mode:<6}{statistics.median(samples):>9.2f}{percentile(samples, 0.99):>9.2f}"
                  f"{max(samples):>9.2f}")


if __name__ == "__main__":
    main()
