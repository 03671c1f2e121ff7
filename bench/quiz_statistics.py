"""Time to compute the cohort statistics (gain, distribution, item analysis) for 28 and for 10,000 trainees.

Run: .venv/bin/python bench/quiz_statistics.py
The reference, measured in the same run, is the time to merely sum the same matrix of marks in Python.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.quizzes.statistics import class_gain, distribution, item_analysis, mean_normalized_change

QUESTIONS = 18  # the default pre/post-test: 2 questions from each of 9 modules


def cohort(size: int, rng: random.Random) -> tuple[list[tuple[float, float]], list[list[float]]]:
    """Simulate pre/post percentages and first-attempt marks (0, 0.5 or 1) of `size` trainees."""
    pairs, rows = [], []
    for _ in range(size):
        ability = rng.random()
        rows.append(
            [
                rng.choice((0.0, 0.5, 1.0)) if rng.random() < 0.2 else float(rng.random() < ability)
                for _ in range(QUESTIONS)
            ]
        )
        pre = round(100 * ability * 0.7, 2)
        pairs.append((pre, min(100.0, round(pre + 30 * rng.random(), 2))))
    return pairs, rows


def report(pairs, rows) -> None:
    pre = statistics.fmean(p for p, _ in pairs)
    post = statistics.fmean(q for _, q in pairs)
    class_gain(pre, post)
    mean_normalized_change(pairs)
    distribution([p for p, _ in pairs])
    distribution([q for _, q in pairs])
    item_analysis(rows, [1.0] * QUESTIONS)


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rng = random.Random(7)
    for size, repeat in ((28, 200), (10_000, 5)):
        pairs, rows = cohort(size, rng)
        stats = median_seconds(lambda pairs=pairs, rows=rows: report(pairs, rows), repeat)
        floor = median_seconds(lambda rows=rows: sum(sum(row) for row in rows), repeat)
        print(
            f"{size:>6} trainees: statistics {stats * 1000:9.2f} ms   "
            f"summing the marks {floor * 1000:7.2f} ms   ratio {stats / floor:6.1f}x"
        )


if __name__ == "__main__":
    main()
