"""`make bench`: every figure of docs/performance.md, measured side by side in one run."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from . import answers, batch, inprocess, load, servers, slow_clients, soak, startup, submissions, throughput

PARTS = ("http", "slow", "inprocess", "batch", "soak", "startup", "submissions")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("parts", nargs="*", metavar="part", help=f"what to run: {', '.join(PARTS)} (default: all)")
    parser.add_argument("--rounds", type=int, default=8, help="HTTP rounds, each one echo run and one service run")
    parser.add_argument("--seconds", type=float, default=5, help="length of one HTTP run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--soak-requests", type=int, default=150_000)
    parser.add_argument("--startups", type=int, default=5)
    parser.add_argument("--stalled", type=int, default=200, help="connections the slow-client part stalls")
    parser.add_argument("--stall-seconds", type=float, default=30, help="how long the slow-client part stalls them")
    parser.add_argument("--all-classes", action="store_true",
                        help="check the zen-engine table against durable-rules on every answer class, not a sample")
    args = parser.parse_args()
    parts = args.parts or PARTS
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if {"http", "soak", "submissions"} & set(parts):
        load.ensure_wrk()

    servers.RESULTS.mkdir(exist_ok=True)
    with open(servers.RESULTS / "last-run.txt", "w") as output:
        run(Log(output), parts, args)


def run(log: Log, parts: list[str], args: argparse.Namespace) -> None:
    sets = answers.answer_sets()
    bodies = answers.write_lines(servers.RESULTS / "answers.jsonl", sets)
    header(log, len(sets))
    runners: dict[str, Callable[[], None]] = {
        "http": lambda: http(log, args.rounds, args.seconds, args.connections, bodies),
        "slow": lambda: slow(log, sets[0], args.stalled, args.stall_seconds),
        "inprocess": lambda: in_process(log, sets, args.all_classes),
        "batch": lambda: batched(log, sets),
        "soak": lambda: memory(log, args.soak_requests, args.connections, bodies),
        "startup": lambda: start_up(log, args.startups),
        "submissions": lambda: stored(log, sets, bodies, args.seconds, args.connections),
    }
    for part in PARTS:
        if part in parts:
            runners[part]()
    log(f"\nload average at the end: {load_average()}; this output is also in {log.file.name}")


class Log:
    """Prints a line and keeps it in bench/results/last-run.txt."""

    def __init__(self, file: TextIO) -> None:
        self.file = file

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.file.write(line + "\n")
        self.file.flush()


def header(log: Log, count: int) -> None:
    log(f"hip-ir-screening benchmarks, {time.strftime('%Y-%m-%d %H:%M')}")
    log(f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
        f"load average before: {load_average()}")
    log("servers: the `make run` command (gunicorn, service/gunicorn_conf.py: workers = cores, the buffering "
        f"gthread worker, {os.environ.get('GUNICORN_THREADS', '4')} threads), production defaults (metrics, "
        "access log, a limiter that counts every request); env "
        + " ".join(f"{key}={value}" for key, value in servers.BENCH_ENV.items())
        + " so that the limit never throttles the load generator")
    log(f"answers: {count:,} distinct valid answer sets from the questionnaire "
        f"(seed {answers.SEED}), sent in rotation")


def http(log: Log, rounds: int, seconds: float, connections: int, bodies: os.PathLike[str]) -> None:
    log(f"\n== HTTP: POST /v1/screenings vs bare Flask JSON echo (wrk -t2 -c{connections}, "
        f"{rounds} rounds x {seconds:g} s each, alternating; medians)")
    figures = throughput.measure(bodies, rounds, seconds, connections)
    log(f"{'':10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'CPU us/req':>12}")
    for name, side in (("echo", figures.echo), ("service", figures.service), ("gthread", figures.plain)):
        log(f"{name:10}{side.median('rate'):9,.0f}{side.median('p50_ms'):9.2f}{side.median('p99_ms'):9.2f}"
            f"{side.errors:8}{side.cpu_us:12.0f}")
    rate, p99 = figures.ratio("rate"), figures.ratio("p99_ms")
    log(f"ratio     {rate:8.2f}x{'':9}{p99:8.2f}x{'':8}{figures.service.cpu_us / figures.echo.cpu_us:11.2f}x"
        "  (service/echo; req/s and p99: median of the per-round ratios)")
    worker_rate, worker_p99 = figures.ratio("rate", "service", "plain"), figures.ratio("p99_ms", "service", "plain")
    log(f"buffering worker against plain gthread (the same service): req/s {worker_rate:.2f}x, p99 {worker_p99:.2f}x")
    log("each run:  " + "  ".join(
        f"{e.rate:,.0f}/{s.rate:,.0f}/{p.rate:,.0f}"
        for e, s, p in zip(figures.echo.runs, figures.service.runs, figures.plain.runs, strict=True))
        + "  (echo/service/gthread req/s)")
    log("CPU us/req: CPU time of the gunicorn processes per request; it moves less than req/s on a busy machine")
    cold = figures.cold
    log(f"service before its caches were warm (first run): {cold.rate:,.0f} req/s, p99 {cold.p99_ms:.2f} ms, "
        f"{cold.errors} errors")
    target(log, "throughput >= 0.8x echo", rate >= 0.8, f"{rate:.2f}x")
    target(log, "p99 <= 1.5x echo", p99 <= 1.5, f"{p99:.2f}x")
    errors = figures.echo.errors + figures.service.errors + cold.errors
    target(log, "0 errors (socket errors and statuses >= 400, both servers)", errors == 0, str(errors))


def slow(log: Log, answer_set: dict[str, object], stalled: int, seconds: float) -> None:
    log(f"\n== Slow clients: {stalled} connections stalled mid-headers or mid-body for {seconds:g} s, "
        "while one client sends screenings (2 s timeout each)")
    for name, env in (("buffering worker", None), ("plain gthread", throughput.PLAIN_GTHREAD)):
        figures = slow_clients.measure(answer_set, stalled, seconds, env)
        log(f"{name:17} served {figures.served}, failed {figures.failed}; p50 {figures.p50_ms:.1f} ms, "
            f"p99 {figures.p99_ms:.1f} ms; stalled connections closed by the server: {figures.closed}/{stalled}"
            + (f", median {figures.closed_after_s:.1f} s after stalling" if figures.closed else ""))
        if env is None:
            target(log, "p99 < 1 s and no failures while stalled", figures.p99_ms < 1000 and not figures.failed,
                   f"p99 {figures.p99_ms:.1f} ms, {figures.failed} failed")


def in_process(log: Log, sets: list[dict[str, object]], all_classes: bool) -> None:
    log("\n== In process: JSON text -> validate -> evaluate -> serialize, per screening "
        f"(median us over {len(sets):,} distinct answer sets)")
    figures = inprocess.measure(sets, all_classes)
    log("zen-engine table checked against durable-rules first: the same rules match for "
        f"{figures.checked_examples} rule examples, the {figures.checked_answer_sets:,} bench answer sets and "
        f"{figures.checked_classes:,} answer classes{' (all)' if all_classes else ' (a sample; --all-classes: all)'}")
    log(f"service, outcome cache warm:         {figures.full_warm:8.1f} us")
    log(f"service, cache cold (first pass):    {figures.full_cold:8.1f} us")
    log(f"service, cache off (durable-rules):  {figures.full_uncached:8.1f} us")
    log(f"zen-engine decision table (evaluate + precedence, no validation, no JSON): {figures.zen:.1f} us")
    log("stages:")
    for stage, micros in figures.stages.items():
        log(f"  {stage:44}{micros:8.1f} us")
    target(log, "<= 100 us median", figures.full_warm <= 100, f"{figures.full_warm:.1f} us (cache warm)")
    target(log, "faster than zen-engine", figures.zen_ratio < 1,
           f"{figures.zen_ratio:.2f}x zen's time (cache warm); {figures.full_cold / figures.zen:.2f}x cold, "
           f"{figures.full_uncached / figures.zen:.2f}x with the cache off")


def batched(log: Log, sets: list[dict[str, object]]) -> None:
    log(f"\n== Batch: POST {batch.PATH}, {batch.BATCH_SIZE:,} answer sets per request, one worker")
    figures = batch.measure(sets, rounds=4)
    if not figures.available:
        log("batch endpoint not available (404): not measured")
        return
    if figures.status != 200:
        log(f"batch endpoint answered {figures.status}: not measured")
        return
    log(f"{figures.per_second:,.0f} screenings/s (median of {figures.requests} requests, caches warm); "
        f"first pass {figures.cold_per_second:,.0f} screenings/s; items not ok: {figures.failed_items}")
    target(log, ">= 10,000 screenings/s on one worker", figures.per_second >= 10_000, f"{figures.per_second:,.0f}/s")
    hostile = batch.hostile_memory()
    log(f"hostile batches ({batch.BATCH_SIZE:,} items of {batch.HOSTILE_KEYS} unknown keys, {hostile.body_bytes:,} "
        f"bytes in, {hostile.response_bytes:,} out): worker + master RSS {hostile.warm_mb:.1f} MB after 3, "
        f"{hostile.after_mb:.1f} MB after {hostile.requests} more")
    growth = hostile.after_mb - hostile.warm_mb
    target(log, "RSS within 10 MB after 20 hostile batches", growth < 10, f"{growth:+.1f} MB")


def memory(log: Log, total: int, connections: int, bodies: os.PathLike[str]) -> None:
    log(f"\n== Memory: RSS of the gunicorn master and workers over {total:,} requests")
    figures = soak.measure(bodies, total, connections)
    steps = " -> ".join(f"{mb:.1f}" for mb in figures.rss_mb)
    log(f"{figures.requests:,} requests, {figures.errors} errors; RSS MB after each wrk run: {steps}")
    log(f"growth {figures.growth_mb:+.1f} MB from ready (all workers booted, idle) to the end; "
        f"{figures.rss_mb[-1] - figures.rss_mb[1]:+.1f} MB after the first run")
    target(log, "growth < 10 MB", figures.growth_mb < 10, f"{figures.growth_mb:+.1f} MB")


def start_up(log: Log, times: int) -> None:
    log(f"\n== Start-up: launch of the `make run` command until GET /readyz is 200 ({times} launches)")
    seconds = startup.measure(times)
    median = statistics.median(seconds)
    log("each: " + ", ".join(f"{s:.2f} s" for s in seconds) + f"; median {median:.2f} s")
    target(log, "ready < 3 s", median < 3, f"{median:.2f} s")


def stored(log: Log, sets: list[dict[str, object]], bodies: os.PathLike[str], seconds: float,
           connections: int) -> None:
    log(f"\n== Submissions: POST /v1/intakes/{{id}}/submissions, stored, {submissions.WORKERS} workers "
        f"(wrk -t2 -c{connections}, 3 runs x {seconds:g} s; medians)")
    with submissions.temporary_directory() as directory:
        urls = [submissions.sqlite_url(directory), submissions.postgres_url()]
        for url in urls:
            if url is None:
                log(f"postgresql: not measured (set one of {', '.join(submissions.POSTGRES_URL_VARIABLES)})")
                continue
            figures = submissions.measure(url, sets, Path(bodies), 3, seconds, connections)
            rate = figures.median("rate")
            log(f"{figures.database:10}  {rate:7,.0f} submissions/s  p50 {figures.median('p50_ms'):6.2f} ms  "
                f"p99 {figures.median('p99_ms'):6.2f} ms  errors {figures.errors}  stored {figures.stored:,} of "
                f"{sum(run.requests for run in figures.runs):,} sent in the measured runs (plus a warm-up run)")
            log(f"{'':10}  vs POST /v1/screenings on the same server, run by run: "
                f"{figures.ratio('rate'):.2f}x the rate, {figures.ratio('p99_ms'):.2f}x the p99 "
                f"(screenings: {statistics.median(r.rate for r in figures.screening_runs):,.0f}/s)")
            if figures.database == "sqlite":
                target(log, ">= 500 submissions/s on SQLite", rate >= 500, f"{rate:,.0f}/s")
                target(log, "p99 <= 50 ms on SQLite", figures.median("p99_ms") <= 50,
                       f"{figures.median('p99_ms'):.2f} ms")


def target(log: Log, name: str, met: bool, figure: str) -> None:
    log(f"  target {name}: {figure} -> {'MET' if met else 'MISSED'}")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
