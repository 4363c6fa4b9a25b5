"""The intake form in a real browser: Playwright driving Debian's chromium against the real app.

One browser for the whole session; the app and a second "host site" run on ports chosen
at run time. The host site's origin is the only one the app's CORS settings allow.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Request, Route, expect, sync_playwright
from werkzeug.serving import make_server
from werkzeug.wrappers import Request as WsgiRequest
from werkzeug.wrappers import Response as WsgiResponse

from service import create_app

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parent.parent / "build" / "screenshots"))
HOST_STYLES = """
  html { font-size: 10px; }
  body { color: rgb(255, 220, 120); font-family: serif; background: rgb(20, 20, 20); }
  * { letter-spacing: 3px; }
  button { display: none; }
  h2 { text-transform: uppercase; }
"""


# ---- Servers and the browser


@contextmanager
def serve(app: Callable[..., Any]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@dataclass
class Sites:
    app: str  # the screening service
    host: str  # another site embedding it; its origin is allowed by CORS_ORIGINS
    stranger: str  # the same host site under another name: an origin CORS_ORIGINS does not allow


class HostSite:
    """A site on another port with pages that embed the form; pages are set per test."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = WsgiRequest(environ).path
        if path not in self.pages:
            return WsgiResponse("not found", status=404)(environ, start_response)
        return WsgiResponse(self.pages[path], mimetype="text/html")(environ, start_response)


@pytest.fixture(scope="session")
def host_site() -> HostSite:
    return HostSite()


@pytest.fixture(scope="session")
def sites(host_site: HostSite) -> Iterator[Sites]:
    with serve(host_site) as host:
        app = create_app({"TESTING": True, "CORS_ORIGINS": host})
        with serve(app) as app_url:
            yield Sites(app=app_url, host=host, stranger=host.replace("127.0.0.1", "localhost"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No chromium at {CHROMIUM}: install it with `apt-get install chromium` (as .ci/run does), "
                    "or deselect these tests with -m 'not browser'.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def form_page(new_page: Callable[..., Page], sites: Sites, console_errors: list[str]) -> Page:
    page = new_page()

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", collect)
    page.goto(f"{sites.app}/form")
    expect(page.locator("form.hs-form")).to_be_visible()
    return page


# ---- Helpers: every locator below pierces the form's (open) shadow root.


def question(page: Page | Locator, question_id: str) -> Locator:
    return page.locator(f'[data-question="{question_id}"]')


def fill_in(page: Page | Locator, answers: dict[str, Any]) -> None:
    """Fill answers the way a user does: tick boxes and radios, type numbers."""
    for name, value in answers.items():
        if isinstance(value, list):
            for item in value:
                page.locator(f'input[name="{name}"][value="{item}"]').check()
        elif isinstance(value, bool):
            page.locator(f'input[name="{name}"][value="{str(value).lower()}"]').check()
        elif isinstance(value, int):
            page.locator(f'input[name="{name}"]').fill(str(value))
        else:
            page.locator(f'input[name="{name}"][value="{value}"]').check()


def without(answers: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in answers.items() if name not in names}


def submit(page: Page | Locator) -> None:
    page.get_by_role("button", name="See my result").click()


def result(page: Page | Locator) -> Locator:
    return page.locator('[role="status"][data-decision]')


def error_beside(page: Page | Locator, question_id: str) -> Locator:
    return question(page, question_id).locator(".hs-error")


def screenshot(target: Page | Locator, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SCREENSHOTS / name))


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page).response
    return [f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


# ---- The standalone form


def test_every_question_of_the_questionnaire_is_rendered(form_page: Page, sites: Sites,
                                                        console_errors: list[str]) -> None:
    questionnaire = form_page.request.get(f"{sites.app}/v1/questionnaire").json()
    for item in questionnaire["questions"]:
        block = question(form_page, item["id"])
        expect(block).to_have_count(1)
        expect(block).to_be_visible() if not item["show_if"] else expect(block).to_be_hidden()
        expect(block).to_contain_text(item["text"])
        if item["help"]:
            expect(block).to_contain_text(item["help"])
        expect(block.locator(".hs-required")).to_have_count(1 if item["required"] else 0)
        controls = block.locator(f'input[name="{item["id"]}"]')
        if item["type"] == "multi_choice":
            expect(controls).to_have_count(len(item["options"]))
            expect(block.locator('input[type="checkbox"]')).to_have_count(len(item["options"]))
        elif item["type"] == "single_choice":
            expect(block.locator('input[type="radio"]')).to_have_count(len(item["options"]))
        elif item["type"] == "boolean":
            expect(block.get_by_role("radio")).to_have_count(2)
        else:
            expect(controls).to_have_attribute("type", "number")
            expect(controls).to_have_attribute("min", str(item["minimum"]))
            expect(controls).to_have_attribute("max", str(item["maximum"]))
        for option in item.get("options", []):
            expect(block.get_by_label(option["label"], exact=True)).to_have_attribute("value", option["value"])
    assert console_errors == []


def test_a_conditional_question_appears_only_when_it_applies(form_page: Page, answers: dict[str, Any]) -> None:
    sumo_days = question(form_page, "sumo_days_per_week")
    expect(sumo_days).to_be_hidden()
    for stance, shown in [("sumo", True), ("conventional", False), ("mixed", True), ("none", False)]:
        fill_in(form_page, {"lifting_style": stance})
        expect(sumo_days).to_be_visible() if shown else expect(sumo_days).to_be_hidden()

    fill_in(form_page, {"lifting_style": "sumo", "sumo_days_per_week": 3})
    fill_in(form_page, {**without(answers, "sumo_days_per_week"), "lifting_style": "conventional"})
    with form_page.expect_request("**/v1/screenings") as sent:
        submit(form_page)
    body = sent.value.post_data_json
    assert body["lifting_style"] == "conventional" and "sumo_days_per_week" not in body
    fill_in(form_page, {"lifting_style": "mixed"})
    expect(sumo_days.locator("input")).to_have_value("3")  # a hidden answer is kept, only not sent


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "375"), (DESKTOP, "desktop")])
def test_filling_and_submitting_shows_the_result_in_words(new_page: Callable[..., Page], sites: Sites,
                                                          answers: dict[str, Any], viewport: dict[str, int],
                                                          name: str) -> None:
    page = new_page(viewport)
    page.goto(f"{sites.app}/form")
    fill_in(page, answers)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"form-{name}.png")
    with page.expect_response("**/v1/screenings") as response_info:
        submit(page)
    screening = response_info.value.json()
    assert screening["decision"] == "recommended"

    status = result(page)
    expect(status).to_have_attribute("data-decision", "recommended")
    expect(status.get_by_role("heading", level=2)).to_have_text("Your result: Recommended")
    expect(status).to_contain_text("Feet on a wall. " + screening["variant"]["reason"])
    expect(status).to_contain_text("Alternative: Feet on the floor")
    for timing in screening["timing"]:
        expect(status.locator(f'[data-timing="{timing["code"]}"]')).to_have_text(timing["note"])
    expect(status).to_contain_text(screening["preparation"][0]["text"])
    stop = [c["text"] for c in screening["cautions"] if c["severity"] == "stop"]
    expect(status.locator(".hs-stop")).to_contain_text(stop[0])
    for reason in screening["rationale"]:
        expect(status).to_contain_text(reason["text"])
    expect(status).not_to_contain_text("recommended_with_caution")
    expect(status.get_by_role("heading", level=2)).to_be_focused()
    screenshot(status, f"result-{name}.png")


def test_a_stop_result_is_prominent_and_refers(form_page: Page, answers: dict[str, Any]) -> None:
    fill_in(form_page, {**answers, "structural_conditions": ["labral_tear"]})
    with form_page.expect_response("**/v1/screenings") as response_info:
        submit(form_page)
    screening = response_info.value.json()
    assert screening["refer"] is True
    status = result(form_page)
    expect(status).to_have_attribute("data-decision", "not_recommended")
    expect(status.get_by_role("heading", level=2)).to_have_text("Your result: Not recommended")
    stop = status.locator(".hs-stop")
    expect(stop.locator("li")).to_have_text(
        [next(p["text"] for p in screening["preparation"] if p["code"] == "see_professional")]
        + [c["text"] for c in screening["cautions"] if c["severity"] == "stop"])
    assert stop.evaluate("node => node.previousElementSibling.matches('.hs-lead')")  # right under the decision
    expect(status).not_to_contain_text("Before you start")  # the referral is not repeated there
    expect(status).not_to_contain_text("Which version")
    expect(status).not_to_contain_text("null")


def test_changing_an_answer_after_a_result_says_the_result_is_out_of_date(form_page: Page,
                                                                          answers: dict[str, Any]) -> None:
    fill_in(form_page, answers)
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    stale = form_page.locator(".hs-stale")
    expect(stale).to_be_hidden()
    fill_in(form_page, {"hip_pinch": True})
    expect(stale).to_be_visible()
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "not_recommended")
    expect(stale).to_be_hidden()


def test_unanswered_required_questions_are_named_beside_them_before_sending(form_page: Page) -> None:
    requests: list[Request] = []
    form_page.on("request", lambda request: request.method == "POST" and requests.append(request))
    fill_in(form_page, {"sex": "female"})
    submit(form_page)
    for required in ("lifting_style", "prior_soft_tissue_work"):
        expect(error_beside(form_page, required)).to_have_text("Please answer this question.")
        expect(question(form_page, required).locator("input").first).to_have_attribute("aria-invalid", "true")
    expect(error_beside(form_page, "sex")).to_be_hidden()
    summary = form_page.locator(".hs-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please check 2 answers:")
    summary.get_by_role("link", name="Which deadlift stance").click()
    expect(question(form_page, "lifting_style").locator("input").first).to_be_focused()
    assert requests == []


def test_a_422_from_the_service_is_shown_beside_its_field(form_page: Page, answers: dict[str, Any]) -> None:
    fill_in(form_page, {**answers, "sumo_days_per_week": 9})
    with form_page.expect_response("**/v1/screenings") as response_info:
        submit(form_page)
    problem = response_info.value.json()
    assert response_info.value.status == 422
    message = problem["errors"]["sumo_days_per_week"][0]
    expect(error_beside(form_page, "sumo_days_per_week")).to_have_text(message)
    field = question(form_page, "sumo_days_per_week").locator("input")
    expect(field).to_have_attribute("aria-invalid", "true")
    described_by = field.get_attribute("aria-describedby") or ""
    assert error_beside(form_page, "sumo_days_per_week").get_attribute("id") in described_by.split()
    expect(result(form_page)).to_be_empty()

    field.fill("4")
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    expect(error_beside(form_page, "sumo_days_per_week")).to_be_hidden()


def test_a_network_failure_shows_a_message_and_keeps_the_answers(form_page: Page, answers: dict[str, Any]) -> None:
    fill_in(form_page, answers)
    form_page.route("**/v1/screenings", lambda route: route.abort("internetdisconnected"))
    submit(form_page)
    notice = form_page.locator(".hs-notice")
    expect(notice).to_contain_text("We could not reach the screening service")
    expect(notice).to_have_attribute("role", "alert")
    expect(result(form_page)).to_be_empty()
    for name, value in answers.items():
        if isinstance(value, int) and not isinstance(value, bool):
            expect(form_page.locator(f'input[name="{name}"]')).to_have_value(str(value))
        else:
            for item in value if isinstance(value, list) else [value]:
                expect(form_page.locator(f'input[name="{name}"][value="{str(item).lower()}"]')).to_be_checked()

    form_page.unroute("**/v1/screenings")
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    expect(notice).to_be_hidden()


def test_a_server_fault_is_explained_in_plain_words(form_page: Page, answers: dict[str, Any]) -> None:
    def fail(route: Route) -> None:
        route.fulfill(status=500, content_type="application/problem+json",
                      body='{"type": "about:blank", "title": "Internal Server Error", "status": 500, "detail": "x"}')

    form_page.route("**/v1/screenings", fail)
    fill_in(form_page, answers)
    submit(form_page)
    expect(form_page.locator(".hs-notice")).to_contain_text("Something went wrong on our side")


def test_a_failed_questionnaire_load_can_be_retried(new_page: Callable[..., Page], sites: Sites) -> None:
    page = new_page()
    page.route("**/v1/questionnaire", lambda route: route.abort("internetdisconnected"))
    page.goto(f"{sites.app}/form")
    expect(page.locator(".hs-loading")).to_have_text(
        "The questions could not be loaded. Check your internet connection and try again.")
    page.unroute("**/v1/questionnaire")
    page.get_by_role("button", name="Try again").click()
    expect(question(page, "sex")).to_be_visible()


def test_errors_for_fields_not_on_screen_are_listed_in_the_summary(form_page: Page, answers: dict[str, Any]) -> None:
    problem = {"type": "about:blank", "title": "Invalid answers", "status": 422, "detail": "2 answer(s) are invalid",
               "errors": {"sumo_days_per_week": ["Must be given."], "_body": ["Expected a JSON object."]}}
    form_page.route("**/v1/screenings", lambda route: route.fulfill(
        status=422, content_type="application/problem+json", body=json.dumps(problem)))
    fill_in(form_page, {**without(answers, "sumo_days_per_week"), "lifting_style": "none"})
    submit(form_page)
    expect(form_page.locator(".hs-summary li")).to_have_text([
        "On how many days a week do you pull sumo? Must be given.", "Expected a JSON object."])


def press_tab_until(page: Page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"""() => {{
            const root = document.querySelector('[data-screening-form]').shadowRoot;
            return !!root.activeElement && root.activeElement.matches({selector!r});
        }}"""):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focus_outline(page: Page) -> str:
    return str(page.evaluate("""() => {
        const focused = document.querySelector('[data-screening-form]').shadowRoot.activeElement;
        const box = focused.closest('.hs-option') || focused;
        const style = getComputedStyle(box);
        return style.outlineStyle + ' ' + style.outlineWidth;
    }"""))


def test_keyboard_only_use(form_page: Page) -> None:
    press_tab_until(form_page, 'input[name="sex"]')
    form_page.keyboard.press("ArrowDown")  # radios: arrows move and select
    expect(form_page.locator('input[name="sex"][value="male"]')).to_be_checked()
    assert focus_outline(form_page) == "solid 3px"
    press_tab_until(form_page, 'input[name="sports"][value="strength"]')
    form_page.keyboard.press("Space")
    press_tab_until(form_page, 'input[name="lifting_style"]')
    form_page.keyboard.press("Space")
    expect(form_page.locator('input[name="lifting_style"][value="sumo"]')).to_be_checked()
    press_tab_until(form_page, 'input[name="sumo_days_per_week"]')
    form_page.keyboard.type("5")
    press_tab_until(form_page, 'input[name="prior_soft_tissue_work"]')
    form_page.keyboard.press("ArrowRight")
    expect(form_page.locator('input[name="prior_soft_tissue_work"][value="false"]')).to_be_checked()
    press_tab_until(form_page, 'input[name="hip_ir"]')
    form_page.keyboard.press("Space")
    press_tab_until(form_page, "button.hs-submit")
    assert focus_outline(form_page) == "solid 3px"
    form_page.keyboard.press("Enter")
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    expect(result(form_page).get_by_role("heading", level=2)).to_be_focused()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "desktop"])
def test_axe_finds_no_serious_or_critical_violations(new_page: Callable[..., Page], sites: Sites,
                                                     viewport: dict[str, int], answers: dict[str, Any]) -> None:
    page = new_page(viewport)
    page.goto(f"{sites.app}/form")
    expect(page.locator("form.hs-form")).to_be_visible()
    fill_in(page, {"lifting_style": "sumo"})
    assert serious_violations(page) == []
    submit(page)
    expect(page.locator(".hs-summary")).to_be_visible()
    assert serious_violations(page) == []
    fill_in(page, {**answers, "pain_areas": ["low_back"], "pain_severity": 4, "wall_available": False})
    submit(page)
    expect(result(page)).to_have_attribute("data-decision", "recommended_with_caution")
    assert serious_violations(page) == []


def test_it_fits_a_375px_screen(new_page: Callable[..., Page], sites: Sites, answers: dict[str, Any]) -> None:
    page = new_page(PHONE)
    page.goto(f"{sites.app}/form")
    fill_in(page, answers)
    submit(page)
    expect(result(page)).to_have_attribute("data-decision", "recommended")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    heights = page.locator(".hs-option").evaluate_all("rows => rows.map(row => row.getBoundingClientRect().height)")
    assert min(heights) >= 44  # comfortable touch targets
    width = page.get_by_role("button", name="See my result").bounding_box()
    assert width is not None and width["width"] >= PHONE["width"] * 0.8


def test_the_page_keeps_to_its_content_security_policy(form_page: Page, sites: Sites,
                                                       console_errors: list[str], answers: dict[str, Any]) -> None:
    response = form_page.request.get(f"{sites.app}/form")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    fill_in(form_page, answers)
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    assert console_errors == []  # a blocked script, style or request would be logged here


def test_a_question_added_to_the_rules_appears_without_a_code_change(new_page: Callable[..., Page],
                                                                    rules_copy: Path, answers: dict[str, Any]) -> None:
    path = rules_copy / "questionnaire.yaml"
    questionnaire = yaml.safe_load(path.read_text())
    questionnaire["questions"].append({
        "id": "squat_depth", "text": "How deep do you squat?", "help": "Think of your usual working sets.",
        "type": "single_choice", "required": False, "default": "parallel", "show_if": {"squats": True},
        "options": [{"value": "parallel", "label": "To parallel"}, {"value": "deep", "label": "Below parallel"}],
    })
    path.write_text(yaml.safe_dump(questionnaire, sort_keys=False))
    app: Flask = create_app({"TESTING": True, "RULES_DIR": str(rules_copy)})
    with serve(app) as url:
        page = new_page()
        page.goto(f"{url}/form")
        new_question = question(page, "squat_depth")
        expect(new_question).to_be_hidden()
        fill_in(page, {**answers})
        expect(new_question).to_be_visible()
        expect(new_question).to_contain_text("How deep do you squat?")
        page.get_by_label("Below parallel").check()
        with page.expect_request("**/v1/screenings") as sent:
            submit(page)
        assert sent.value.post_data_json["squat_depth"] == "deep"
        expect(result(page)).to_have_attribute("data-decision", "recommended")


# ---- On another site


def host_page(sites: Sites, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Northside Barbell: intake</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{HOST_STYLES}</style></head>
<body><main><h1>Welcome to Northside Barbell</h1>{body}</main></body></html>"""


def test_the_embed_snippet_renders_the_form_on_another_site(new_page: Callable[..., Page], sites: Sites,
                                                             host_site: HostSite, answers: dict[str, Any]) -> None:
    host_site.pages["/join"] = host_page(sites, f"""
        <h2 id="host-heading">Before your first session</h2>
        <button id="host-button" style="display:inline-block">Host button</button>
        <div data-screening-form id="first"></div>
        <div data-screening-form id="second"></div>
        <script src="{sites.app}/embed.js"></script>""")
    page = new_page(PHONE)
    page.goto(f"{sites.host}/join")
    first, second = page.locator("#first"), page.locator("#second")
    expect(first.locator("form.hs-form")).to_be_visible()
    expect(second.locator("form.hs-form")).to_be_visible()

    # The host's styles do not reach into the form ...
    label = first.locator('[data-question="sex"] .hs-text')
    assert label.evaluate("node => getComputedStyle(node).color") != "rgb(255, 220, 120)"
    assert label.evaluate("node => getComputedStyle(node).letterSpacing") == "normal"
    assert label.evaluate("node => getComputedStyle(node).fontFamily") != "serif"
    assert label.evaluate("node => parseFloat(getComputedStyle(node).fontSize)") >= 16
    expect(first.get_by_role("button", name="See my result")).to_be_visible()
    # ... and the form's styles do not reach out into the host page.
    assert page.locator("#host-heading").evaluate("node => getComputedStyle(node).textTransform") == "uppercase"
    assert page.locator("#host-button").evaluate("node => getComputedStyle(node).backgroundColor") \
        != "rgb(11, 92, 173)"

    # Each form talks to the service it came from, across origins (a CORS preflight included).
    fill_in(second, answers)
    with page.expect_response(f"{sites.app}/v1/screenings") as response_info:
        submit(second)
    assert response_info.value.headers["access-control-allow-origin"] == sites.host
    expect(result(second)).to_have_attribute("data-decision", "recommended")
    expect(result(first)).to_be_empty()
    assert serious_violations(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "embed-375.png")


def test_cross_origin_fetch_to_the_api(new_page: Callable[..., Page], sites: Sites, host_site: HostSite,
                                       answers: dict[str, Any]) -> None:
    host_site.pages["/blank"] = host_page(sites, "<p>Nothing embedded.</p>")
    script = """async ([base, answers]) => {
        const questionnaire = await fetch(base + '/v1/questionnaire').then(r => r.json());
        const response = await fetch(base + '/v1/screenings', {
            method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(answers)});
        return [questionnaire.questions.length, response.status, (await response.json()).decision];
    }"""
    page = new_page()
    page.goto(f"{sites.host}/blank")
    questions, status, decision = page.evaluate(script, [sites.app, answers])
    assert (status, decision) == (200, "recommended") and questions > 0

    refused = """async (base) => {
        try { await fetch(base + '/v1/questionnaire'); return 'read'; } catch (error) { return error.name; }
    }"""
    page.goto(f"{sites.stranger}/blank")
    assert page.evaluate(refused, sites.app) == "TypeError"  # the browser withholds the answer


def test_the_iframe_option(new_page: Callable[..., Page], sites: Sites, host_site: HostSite,
                           answers: dict[str, Any]) -> None:
    host_site.pages["/frame"] = host_page(
        sites, f'<iframe src="{sites.app}/form" title="Hip mobility check" width="100%" height="700"></iframe>')
    page = new_page()
    page.goto(f"{sites.host}/frame")
    assert [frame.url for frame in page.frames[1:]] == [f"{sites.app}/form"]
    frame = page.frame_locator("iframe")
    fill_in(frame.locator("body"), answers)
    submit(frame.locator("body"))
    expect(result(frame.locator("body"))).to_have_attribute("data-decision", "recommended")

    page.goto(f"{sites.stranger}/frame")  # an origin CORS_ORIGINS does not list may not frame /form
    assert [frame.url for frame in page.frames[1:]] == ["chrome-error://chromewebdata/"]  # refused to load
