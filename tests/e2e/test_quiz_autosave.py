"""Autosave while taking a quiz, in Debian's Chromium against the live server: the latest answer wins.

A trainee who changes an answer twice in quick succession must find the second answer after a reload, even
when the network delivers the first save late. The first save request is held back in the browser (a
Playwright route) until the second change has been made, which is the order a slow connection can produce.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def is_save(request) -> bool:
    return request.method == "POST" and request.url.endswith("/answer")


def test_two_quick_changes_keep_the_second_answer_even_when_the_first_save_arrives_late(
    page, live_server, new_trainee, sign_in, visit, axe_check
):
    sign_in(page, new_trainee("en"))
    visit(page, f"/courses/{live_server.course_slug}")
    with page.expect_navigation():
        page.locator("#tests tbody tr", has_text="Pre-test").get_by_role("button", name="Start").click()
    axe_check(page)

    question = page.locator("fieldset.question").filter(has=page.locator("input[type=radio]")).first
    radios = question.locator("input[type=radio]")
    first, second = radios.nth(0), radios.nth(1)
    second_id = second.get_attribute("id")

    held, sent, settled = [], [], []
    page.on("request", lambda request: is_save(request) and sent.append(request))
    page.on("requestfinished", lambda request: is_save(request) and settled.append(request))
    page.on("requestfailed", lambda request: is_save(request) and settled.append(request))

    def hold_the_first_save(route) -> None:
        if not held:
            held.append(route)  # answered only once the second change has been made
        else:
            route.continue_()

    page.route("**/answer", hold_the_first_save)
    first.check()
    second.check()
    # Give a second request every chance to overtake the first one, as it would on a slow network.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline and len(sent) < 2:
        page.wait_for_timeout(50)
    assert held, "the first change sent no autosave"
    held[0].continue_()

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (settled and len(settled) == len(sent) >= 2):
        page.wait_for_timeout(50)
    assert len(settled) == len(sent) >= 2, f"{len(sent)} autosave(s) sent, {len(settled)} completed"
    expect(question.locator(".save-status")).to_have_text("✓")
    page.unroute("**/answer")

    page.reload(wait_until="load")
    axe_check(page)
    expect(page.locator(f"#{second_id}")).to_be_checked()
