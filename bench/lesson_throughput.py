"""Lesson-page throughput under gunicorn, against a bare Flask route served the same way in the same run.

Run: .venv/bin/python bench/lesson_throughput.py [--seconds 5] [--rounds 3]
Prints requests per second for each, round by round, the median ratio (target >= 0.4), and the server's CPU
time per request for each (gunicorn master and workers, from /proc), which shows where the time goes.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _serve import demo_database, gunicorn, server_cpu_seconds, sign_in, throughput

LESSON = "/courses/protecting-vulnerable-migrants/determinants/four-levels"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = demo_database()
    ratios, lesson_cpu, hello_cpu = [], [], []
    with gunicorn("wsgi:app", env) as app_port, gunicorn("bench.hello:app", env) as hello_port:
        cookie = sign_in(app_port, "aleksandra.nikolovska@csw-demo.example")
        throughput(app_port, LESSON, 1.0, headers={"Cookie": cookie})  # warm-up
        throughput(hello_port, "/", 1.0)
        for round_number in range(1, args.rounds + 1):
            lesson, cpu = measured(app_port, LESSON, args.seconds, headers={"Cookie": cookie})
            lesson_cpu.append(cpu)
            hello, cpu = measured(hello_port, "/", args.seconds)
            hello_cpu.append(cpu)
            ratios.append(lesson / hello)
            print(
                f"round {round_number}: lesson page {lesson:8.1f} req/s   bare Flask {hello:8.1f} req/s"
                f"   ratio {lesson / hello:.2f}"
            )
    print(f"median ratio lesson/bare: {statistics.median(ratios):.2f} (target >= 0.4)")
    print(
        f"server CPU per request: lesson page {statistics.median(lesson_cpu):.2f} ms,"
        f" bare Flask {statistics.median(hello_cpu):.2f} ms"
    )


def measured(port: int, path: str, seconds: float, **options) -> tuple[float, float]:
    """Return requests per second, and the server's CPU milliseconds per request over the same interval."""
    before, start = server_cpu_seconds(port), time.perf_counter()
    rate = throughput(port, path, seconds, **options)
    requests = rate * (time.perf_counter() - start)
    return rate, (server_cpu_seconds(port) - before) / requests * 1000


if __name__ == "__main__":
    main()
