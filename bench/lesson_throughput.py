"""Lesson-page throughput under gunicorn, against a bare Flask route served the same way in the same run.

Run: .venv/bin/python bench/lesson_throughput.py [--seconds 5] [--rounds 3]
Prints requests per second, round by round, for the lesson page, the bare Flask route and the signed-in floor
(the app's cheapest signed-in answer: bench/signed_in_floor.py), the median ratios to the bare route (target
for the lesson page >= 0.4), and the server's CPU time per request for each (gunicorn processes, from /proc).
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack

from _serve import demo_database, gunicorn, server_cpu_seconds, sign_in, throughput

LESSON = "/courses/protecting-vulnerable-migrants/determinants/four-levels"
TRAINEE = "aleksandra.nikolovska@csw-demo.example"
SERVED = {  # name: (gunicorn app, path, signed in)
    "lesson page": ("wsgi:app", LESSON, True),
    "bare Flask": ("bench.hello:app", "/", False),
    "signed-in floor": ("bench.signed_in_floor:app", "/bench/floor", True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = demo_database()
    rates = {name: [] for name in SERVED}
    cpu = {name: [] for name in SERVED}
    with ExitStack() as servers:
        targets = {}
        for name, (app, path, signed) in SERVED.items():
            port = servers.enter_context(gunicorn(app, env))
            headers = {"Cookie": sign_in(port, TRAINEE)} if signed else {}
            throughput(port, path, 1.0, headers=headers)  # warm-up
            targets[name] = (port, path, headers)
        for round_number in range(1, args.rounds + 1):
            for name, (port, path, headers) in targets.items():
                rate, milliseconds = measured(port, path, args.seconds, headers=headers)
                rates[name].append(rate)
                cpu[name].append(milliseconds)
            print(
                f"round {round_number}: "
                + "   ".join(f"{name} {rates[name][-1]:7.1f} req/s" for name in SERVED)
            )
    for name in ("lesson page", "signed-in floor"):
        ratios = [rate / bare for rate, bare in zip(rates[name], rates["bare Flask"], strict=True)]
        target = " (target >= 0.4)" if name == "lesson page" else ""
        print(f"median ratio {name}/bare: {statistics.median(ratios):.2f}{target}")
    print(
        "server CPU per request: "
        + ", ".join(f"{name} {statistics.median(cpu[name]):.2f} ms" for name in SERVED)
    )


def measured(port: int, path: str, seconds: float, **options) -> tuple[float, float]:
    """Return requests per second, and the server's CPU milliseconds per request over the same interval."""
    before, start = server_cpu_seconds(port), time.perf_counter()
    rate = throughput(port, path, seconds, **options)
    requests = rate * (time.perf_counter() - start)
    return rate, (server_cpu_seconds(port) - before) / requests * 1000


if __name__ == "__main__":
    main()
