"""Pure statistics for the pre-test/post-test design: knowledge gain, item analysis, score distribution.

All scores are percents in [0, 100] unless a name says otherwise.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

REVIEW_EFFICIENCY = 15.0
# Marks are rounded to this many decimals before item analysis, so that float noise in sums
# (0.1 + 0.2 != 0.3) never shows up as variance where every trainee scored the same.
_MARK_DECIMALS = 9

Rows = Sequence[Sequence[float | None]]


def _check_percent(name: str, value: float) -> None:
    if not 0 <= value <= 100:
        raise ValueError(f"{name} must be a percent in [0, 100], got {value!r}")


def class_gain(pre_mean: float, post_mean: float) -> float | None:
    """Return Hake's average normalised gain <g> = (post - pre) / (100 - pre) of the class means.

    Hake (1998), Am. J. Phys. 66, 64: the gain actually made as a fraction of the gain possible. It is at
    most 1 and negative when the class did worse. None when pre_mean is 100 (no gain was possible).
    """
    _check_percent("pre_mean", pre_mean)
    _check_percent("post_mean", post_mean)
    if pre_mean == 100:
        return None
    return (post_mean - pre_mean) / (100 - pre_mean)


def normalized_change(pre: float, post: float) -> float | None:
    """Return Marx & Cummings' normalised change c for one trainee, in [-1, 1], or None when dropped.

    Marx & Cummings (2007), Am. J. Phys. 75, 87:
    - post > pre: c = (post - pre) / (100 - pre), the share of the possible gain that was made;
    - post < pre: c = (post - pre) / pre, the share of the possible loss that was lost;
    - post == pre, strictly between 0 and 100: c = 0;
    - post == pre == 0 or post == pre == 100: the trainee is dropped from the analysis (None).
    """
    _check_percent("pre", pre)
    _check_percent("post", post)
    if post > pre:
        return (post - pre) / (100 - pre)
    if post < pre:
        return (post - pre) / pre
    return None if pre in (0, 100) else 0.0


def mean_normalized_change(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Return the mean of the trainees' normalised change over (pre, post) pairs, without the dropped ones."""
    changes = [change for pre, post in pairs if (change := normalized_change(pre, post)) is not None]
    return math.fsum(changes) / len(changes) if changes else None


@dataclass(frozen=True)
class ItemStats:
    """Item-analysis figures for one question; percents, or None where they cannot be computed."""

    index: int  # the question's column
    n: int  # trainees who were served the question
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    needs_review: bool


def item_analysis(rows: Rows, max_marks: Sequence[float], min_responses: int = 10) -> list[ItemStats]:
    """Return Moodle's item statistics for each question (column) over the trainees' first attempts (rows).

    A cell is the mark earned, or None when the question was not served to that trainee; such cells are left
    out of that question's figures and out of the trainee's total. Definitions follow Moodle's quiz
    statistics report (docs "Quiz statistics calculations"; code question/classes/statistics/questions/
    calculator.php), with sample (n - 1) variances:
    - facility: mean mark / max mark * 100;
    - sd: standard deviation of the marks / max mark * 100 (Moodle shows it this way); needs n >= 2;
    - discrimination: 100 * Pearson correlation of the question's mark with the rest of the test
      (the trainee's total minus this question);
    - efficiency (discriminative efficiency): 100 * cov(mark, rest) / cov_max, where cov_max pairs the
      sorted marks with the sorted rest-of-test marks (the largest covariance the marginals allow);
    - needs_review: efficiency < 15, Moodle's threshold for a question "not pulling its weight".
    Discrimination and efficiency are None below min_responses or when the marks or the rest of the test do
    not vary (no division by zero); needs_review is then False.
    """
    if any(len(row) != len(max_marks) for row in rows):
        raise ValueError("every row needs one cell per question")
    for row in rows:
        for mark, max_mark in zip(row, max_marks, strict=True):
            if mark is not None and not 0 <= mark <= max_mark:
                raise ValueError(f"mark {mark!r} is outside [0, {max_mark!r}]")
    # Each trainee's total is summed once; a question's rest-of-test is that total minus its own mark.
    totals = [math.fsum(mark for mark in row if mark is not None) for row in rows]
    return [_item(index, rows, totals, max_mark, min_responses) for index, max_mark in enumerate(max_marks)]


def _item(index: int, rows: Rows, totals: Sequence[float], max_mark: float, min_responses: int) -> ItemStats:
    marks, rests = [], []
    for row, total in zip(rows, totals, strict=True):
        mark = row[index]
        if mark is not None:
            marks.append(round(mark, _MARK_DECIMALS))
            rests.append(round(total - mark, _MARK_DECIMALS))
    n = len(marks)
    mean = _mean(marks) if n else 0.0
    facility = 100 * mean / max_mark if n and max_mark > 0 else None
    sd = (
        100 * math.sqrt(_covariance(marks, marks, mean, mean)) / max_mark if n >= 2 and max_mark > 0 else None
    )
    discrimination = efficiency = None
    if n >= max(min_responses, 2) and _varies(marks) and _varies(rests):
        discrimination, efficiency = _discrimination(marks, rests, mean)
    needs_review = efficiency is not None and efficiency < REVIEW_EFFICIENCY
    return ItemStats(index, n, facility, sd, discrimination, efficiency, needs_review)


def _mean(values: Sequence[float]) -> float:
    """Return the mean; equal values give exactly their value, so a zero spread stays exactly zero."""
    first = values[0]
    return first if all(value == first for value in values) else math.fsum(values) / len(values)


def _covariance(xs: Sequence[float], ys: Sequence[float], mean_x: float, mean_y: float) -> float:
    """Return the sample covariance (n - 1 in the denominator, as Moodle uses)."""
    deviations_x = [x - mean_x for x in xs]
    deviations_y = deviations_x if ys is xs else [y - mean_y for y in ys]
    return math.fsum(map(operator.mul, deviations_x, deviations_y)) / (len(xs) - 1)


def _varies(values: Sequence[float]) -> bool:
    return min(values) != max(values)


def _discrimination(marks: Sequence[float], rests: Sequence[float], mean: float) -> tuple[float, float]:
    """Return (discrimination index, discriminative efficiency) of varying marks against varying rests."""
    rest_mean = _mean(rests)
    covariance = _covariance(marks, rests, mean, rest_mean)
    spread = math.sqrt(
        _covariance(marks, marks, mean, mean) * _covariance(rests, rests, rest_mean, rest_mean)
    )
    covariance_max = _covariance(sorted(marks), sorted(rests), mean, rest_mean)
    # Float rounding can overshoot the mathematical bounds (|r| <= 1, cov <= cov_max) by an ulp.
    return max(-100.0, min(100.0, 100 * covariance / spread)), min(100.0, 100 * covariance / covariance_max)


def distribution(percents: Iterable[float], bins: int = 10) -> list[int]:
    """Return how many percents fall in each of `bins` equal bands of [0, 100]; 100 counts in the top band."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    counts = [0] * bins
    for value in percents:
        _check_percent("percent", value)
        counts[min(int(value * bins / 100), bins - 1)] += 1
    return counts
