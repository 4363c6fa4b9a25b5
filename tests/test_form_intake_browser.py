"""The form of an intake in a real browser: the athlete's name, consent, and the stored submission."""
# ruff: noqa: F811  # the fixtures of test_form_browser are imported, and tests take them by name

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_form_browser import (  # noqa: F401  # athlete, browser, host_site, new_page and sites are fixtures
    INTAKE_KEY,
    PHONE,
    READY,
    HostSite,
    Sites,
    answer_as_asked,
    athlete,
    browser,
    host_page,
    host_site,
    new_page,
    progress,
    result,
    serious_violations,
    sites,
    submit,
)

pytestmark = pytest.mark.browser
COACH = {"Authorization": f"Bearer {INTAKE_KEY}", "Content-Type": "application/json"}


def open_intake(page: Page, sites: Sites, **fields: Any) -> dict[str, Any]:
    body = {"title": "Spring tryouts", "retention_days": 90, **fields}
    response = page.request.post(f"{sites.app}/v1/intakes", data=json.dumps(body), headers=COACH)
    assert response.status == 201, response.text()
    intake: dict[str, Any] = response.json()
    return intake


def stored(page: Page, sites: Sites, intake_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = page.request.get(f"{sites.app}/v1/submissions?intake={intake_id}",
                                                   headers=COACH).json()["items"]
    return items


def test_the_intake_form_asks_name_and_consent_and_stores_the_submission(
        new_page: Callable[..., Page], sites: Sites, athlete: dict[str, Any]) -> None:
    page = new_page()
    intake = open_intake(page, sites)
    page.goto(intake["form_url"])
    expect(page.locator(".hs-intake-title")).to_have_text("Spring tryouts")
    consent = page.get_by_label("I agree that northside-athletics keeps my name")
    expect(consent).to_be_visible()
    expect(page.locator(".hs-consent")).to_contain_text("for 90 days")
    answer_as_asked(page, athlete)
    expect(progress(page)).to_contain_text(READY)

    # Refused consent and no name: said beside the fields, nothing sent.
    submit(page)
    expect(page.locator('[data-intake-field="athlete.name"] .hs-error')).to_have_text("Please enter your name.")
    expect(page.locator('[data-intake-field="consent"] .hs-error')).to_contain_text("Please tick the box")
    expect(result(page)).to_be_empty()
    assert stored(page, sites, intake["id"]) == []

    page.get_by_label("Your name").fill("Sam Lee")
    consent.check()
    with page.expect_response(f"**/v1/intakes/{intake['id']}/submissions") as reply:
        submit(page)
    assert reply.value.status == 201
    assert reply.value.request.headers["idempotency-key"]
    expect(result(page)).to_have_attribute("data-decision", "recommended")
    expect(page.locator(".hs-notice")).to_have_text("Your answers and result were sent to northside-athletics.")
    [submission] = stored(page, sites, intake["id"])
    assert submission["athlete"]["name"] == "Sam Lee"
    assert submission["screening"] == reply.value.json()["screening"]


def test_the_embedded_intake_form_stores_across_origins(new_page: Callable[..., Page], sites: Sites,
                                                         host_site: HostSite, athlete: dict[str, Any]) -> None:
    page = new_page(PHONE)
    intake = open_intake(page, sites, title="Camp week")
    host_site.pages["/camp"] = host_page(sites, intake["embed_html"])
    page.goto(f"{sites.host}/camp")
    expect(page.locator(".hs-intake-title")).to_have_text("Camp week")
    answer_as_asked(page, athlete)
    page.get_by_label("Your name").fill("Kim Ode")
    page.get_by_label("Your email (optional)").fill("kim@example.com")
    page.get_by_label("I agree that northside-athletics keeps my name").check()
    with page.expect_response(f"{sites.app}/v1/intakes/{intake['id']}/submissions") as reply:
        submit(page)
    assert reply.value.status == 201 and reply.value.headers["access-control-allow-origin"] == sites.host
    expect(result(page)).to_have_attribute("data-decision", "recommended")
    assert [item["athlete"]["email"] for item in stored(page, sites, intake["id"])] == ["kim@example.com"]
    assert serious_violations(page) == []


def test_a_closed_intake_says_so_and_shows_no_form(new_page: Callable[..., Page], sites: Sites) -> None:
    page = new_page()
    intake = open_intake(page, sites)
    page.request.patch(f"{sites.app}/v1/intakes/{intake['id']}", data=json.dumps({"open": False}), headers=COACH)
    page.goto(intake["form_url"])
    expect(page.locator(".hs-closed")).to_contain_text("This form is closed")
    expect(page.locator("form.hs-form")).to_have_count(0)


def test_without_an_intake_the_form_asks_no_name_and_stores_nothing(
        new_page: Callable[..., Page], sites: Sites, athlete: dict[str, Any]) -> None:
    page = new_page()
    count = len(page.request.get(f"{sites.app}/v1/submissions?limit=500", headers=COACH).json()["items"])
    page.goto(f"{sites.app}/form")
    expect(page.locator("form.hs-form")).to_be_visible()
    expect(page.locator(".hs-intake")).to_have_count(0)
    answer_as_asked(page, athlete)
    with page.expect_response(f"{sites.app}/v1/screenings"):
        submit(page)
    expect(result(page)).to_have_attribute("data-decision", "recommended")
    assert len(page.request.get(f"{sites.app}/v1/submissions?limit=500", headers=COACH).json()["items"]) == count
