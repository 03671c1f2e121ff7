"""The pre-test and the post-test share one draw: the rule that keeps their questions per module equal.

Pure: blueprint.draw_size_refusal is a function of its inputs (no Flask, no database).
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.quizzes.blueprint import BankQuestion, draw, draw_size_refusal

HYPOTHESIS = settings(database=None, deadline=None, max_examples=200)


def bank() -> dict[str, list[BankQuestion]]:
    return {
        module: [
            BankQuestion(module, f"q{n}", "true_false", 1.0, f"{module} {n}", "", {"answer": True}, {})
            for n in range(6)
        ]
        for module in ("basics", "cases", "referral")
    }


def test_the_same_seed_with_another_number_draws_other_questions():
    """Why the number must match: the seeded draw shifts, so the smaller test is not part of the larger."""
    differs = [
        seed
        for seed in range(50)
        if not {(q.module, q.key) for q in draw(bank(), 2, random.Random(seed), shuffle=False)}
        <= {(q.module, q.key) for q in draw(bank(), 3, random.Random(seed), shuffle=False)}
    ]
    assert differs, "a larger draw contained the smaller one for every seed"


def test_pre_and_post_test_may_take_a_new_number_together_before_anyone_started():
    assert draw_size_refusal(3, [2, 2], started=False) is None


def test_a_group_already_apart_is_brought_together_before_anyone_started():
    assert draw_size_refusal(4, [2, 3], started=False) is None


def test_once_started_the_number_is_fixed():
    assert draw_size_refusal(3, [2, 2], started=True) == "started"


def test_once_started_saving_the_same_number_is_allowed():
    assert draw_size_refusal(2, [2, 2], started=True) is None


def test_a_quiz_with_no_partner_may_always_change():
    assert draw_size_refusal(5, [2], started=True) is None


@HYPOTHESIS
@given(
    requested=st.integers(1, 50),
    sizes=st.lists(st.integers(1, 50), min_size=1, max_size=4),
    started=st.booleans(),
)
def test_refused_exactly_when_a_started_shared_draw_would_change(requested, sizes, started):
    refused = draw_size_refusal(requested, sizes, started) is not None
    assert refused == (len(sizes) > 1 and started and set(sizes) != {requested})
