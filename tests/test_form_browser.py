"""The intake form in a real browser: Playwright driving Debian's chromium against the real app.

One browser for the whole session; the app and a second "host site" run on ports chosen
at run time. The host site's origin is the only one the app's CORS settings allow.

The form asks only the questions POST /v1/screenings/preview says still matter; tests about
what every form does answer as an athlete would (the first question on screen, until none is
left), and tests of the plain form tick "Show all questions".
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Request as WsgiRequest
from werkzeug.wrappers import Response as WsgiResponse

from service import create_app
from service.intake import migrate

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
READY = "You have answered enough for a result."
DETAILS_OPEN = "the questions still open change how to do the drill"
PREVIEW_FAILED = "All questions are shown, because we could not check which ones matter. Your answers are kept."
PREVIEW = "**/v1/screenings/preview"


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


# The key of the organization that runs intakes in tests/test_form_intake_browser.py.
INTAKE_KEY = "coach-key-00000000000001"


@pytest.fixture(scope="session")
def sites(host_site: HostSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    database = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'intake.sqlite3'}"
    with serve(host_site) as host:
        app = create_app({"TESTING": True, "CORS_ORIGINS": host, "ANON_RATE_LIMIT": "none",
                          "DATABASE_URL": database, "API_KEYS": f"northside-athletics:{INTAKE_KEY}"})
        migrate.upgrade(app.extensions["intake_store"])
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


# What this athlete says about themselves and their training; the safety answers come from the questionnaire.
PROFILE: dict[str, Any] = {"sex": "male", "sports": ["strength"], "lifting_style": "sumo", "sumo_days_per_week": 5,
                           "squats": True, "prior_soft_tissue_work": False, "hip_ir": "limited", "wall_available": True}
ADULT_AGE = 30


def no_reason_not_to_move(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """'None of these' to every required list, 'no' to every required yes/no question, an adult's age.

    Read from the questionnaire the service serves, so a safety question added to rules/ is answered too.
    """
    given: dict[str, Any] = {}
    for item in questions:
        if not item["required"] or item["show_if"]:
            continue
        if item["type"] == "multi_choice":
            given[item["id"]] = []
        elif item["type"] == "boolean":
            given[item["id"]] = False
        elif item["type"] == "integer":
            given[item["id"]] = min(max(ADULT_AGE, item["minimum"]), item["maximum"])
    return given


def athlete_for(questions: list[dict[str, Any]], **answers: Any) -> dict[str, Any]:
    """An adult with no reason not to move and PROFILE's training, changed by `answers`."""
    athlete = {**no_reason_not_to_move(questions), **PROFILE, **answers}
    unanswered = [item["id"] for item in questions if item["required"] and not item["show_if"]
                  and item["id"] not in athlete]
    assert not unanswered, f"no answer for the required questions {unanswered}: add them to PROFILE"
    return athlete


@pytest.fixture(scope="session")
def questionnaire(sites: Sites) -> list[dict[str, Any]]:
    """The questions GET /v1/questionnaire serves."""
    with urllib.request.urlopen(f"{sites.app}/v1/questionnaire") as response:
        questions: list[dict[str, Any]] = json.load(response)["questions"]
    return questions


@pytest.fixture
def athlete(questionnaire: list[dict[str, Any]]) -> dict[str, Any]:
    """An answer to every question: no reason not to move, and what this athlete says to the optional ones."""
    return athlete_for(questionnaire)


# ---- Helpers: every locator below pierces the form's (open) shadow root.


def question(page: Page | Locator, question_id: str) -> Locator:
    return page.locator(f'[data-question="{question_id}"]')


def form_of(page: Page | Locator) -> Locator:
    return page.locator("form.hs-form")


def progress(page: Page | Locator) -> Locator:
    return page.locator(".hs-progress")


def questions_settled(page: Page | Locator) -> None:
    """Wait until the questions on screen follow the answers: the preview is back, or every question is shown.

    Watched from inside the page: polling from here would add up to a second to every answer.
    """
    form_of(page).evaluate("""form => new Promise((resolve, reject) => {
        const settled = () => /^(current|all)$/.test(form.dataset.questions);
        if (settled()) {
            return resolve();
        }
        const timer = setTimeout(() => reject(new Error('questions still updating')), 10000);
        new MutationObserver((_, observer) => {
            if (settled()) {
                observer.disconnect();
                clearTimeout(timer);
                resolve();
            }
        }).observe(form, {attributes: true, attributeFilter: ['data-questions']});
    })""")


def on_screen(page: Page | Locator) -> list[str]:
    """The questions on screen, top to bottom."""
    ids: list[str] = page.locator("[data-question]").evaluate_all(
        "blocks => blocks.filter(block => !block.hidden).map(block => block.dataset.question)")
    return ids


def waiting_for_an_answer(page: Page | Locator) -> list[str]:
    ids: list[str] = page.locator("[data-question]").evaluate_all("""blocks => blocks
        .filter(block => !block.hidden && ![...block.querySelectorAll('input')]
            .some(input => input.type === 'number' ? input.value !== '' : input.checked))
        .map(block => block.dataset.question)""")
    return ids


def answer_as_asked(page: Page | Locator, athlete: dict[str, Any]) -> list[str]:
    """Answer as an athlete does: the first question on screen that has no answer, until none is left."""
    asked: list[str] = []
    for _ in range(40):
        questions_settled(page)
        waiting = waiting_for_an_answer(page)
        if not waiting:
            return asked
        fill_in(page, {waiting[0]: athlete[waiting[0]]})
        asked.append(waiting[0])
    raise AssertionError(f"the form kept asking after {asked}")


def answer_until(page: Page, athlete: dict[str, Any], message: str) -> list[str]:
    """Answer as asked, first question first, until the form says `message`."""
    asked: list[str] = []
    for _ in range(40):
        questions_settled(page)
        if message in progress(page).inner_text():
            return asked
        waiting = waiting_for_an_answer(page)
        assert waiting, f"the form never said {message!r} after {asked}"
        fill_in(page, {waiting[0]: athlete[waiting[0]]})
        asked.append(waiting[0])
    raise AssertionError(f"the form kept asking after {asked}")


def show_all(page: Page | Locator) -> None:
    page.get_by_label("Show all questions").check()
    questions_settled(page)


def api_post(page: Page, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = page.request.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.ok, response.text()
    reply: dict[str, Any] = response.json()
    return reply


def wait_until(page: Page, condition: Callable[[], bool]) -> None:
    """Poll a condition on Playwright's side (routes and frames) while the page runs."""
    for _ in range(500):
        if condition():
            return
        page.wait_for_timeout(20)
    raise AssertionError("timed out waiting")


def fill_in(page: Page | Locator, answers: dict[str, Any]) -> None:
    """Fill answers the way a user does: tick boxes and radios, type numbers."""
    for name, value in answers.items():
        if isinstance(value, list):
            if not value:
                page.locator(f'input[data-none-of="{name}"]').check()
            for item in value:
                page.locator(f'input[name="{name}"][value="{item}"]').check()
        elif isinstance(value, bool):
            page.locator(f'input[name="{name}"][value="{str(value).lower()}"]').check()
        elif isinstance(value, int):
            page.locator(f'input[name="{name}"]').fill(str(value))
        else:
            page.locator(f'input[name="{name}"][value="{value}"]').check()


def expect_answers(page: Page | Locator, answers: dict[str, Any]) -> None:
    for name, value in answers.items():
        if isinstance(value, int) and not isinstance(value, bool):
            expect(page.locator(f'input[name="{name}"]')).to_have_value(str(value))
        elif value == []:
            expect(page.locator(f'input[data-none-of="{name}"]')).to_be_checked()
        else:
            for item in value if isinstance(value, list) else [value]:
                expect(page.locator(f'input[name="{name}"][value="{str(item).lower()}"]')).to_be_checked()


def without(answers: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in answers.items() if name not in names}


def referral(screening: dict[str, Any]) -> str:
    """The preparation step that is the referral: routine (see a professional) or urgent (see a doctor soon)."""
    return next(p["text"] for p in screening["preparation"] if p["code"] in ("see_professional", "see_doctor_promptly"))


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


def test_every_question_of_the_questionnaire_is_rendered(form_page: Page, questionnaire: list[dict[str, Any]],
                                                        console_errors: list[str]) -> None:
    show_all(form_page)
    for item in questionnaire:
        block = question(form_page, item["id"])
        expect(block).to_have_count(1)
        # Nothing is answered yet: a conditional question, or one that asks the athlete to move, waits.
        waits = item["show_if"] or item.get("asks_to_move")
        expect(block).to_be_hidden() if waits else expect(block).to_be_visible()
        expect(block).to_contain_text(item["text"])
        if item["help"]:
            expect(block).to_contain_text(item["help"])
        expect(block.locator(".hs-required")).to_have_count(1 if item["required"] else 0)
        controls = block.locator(f'input[name="{item["id"]}"]')
        if item["type"] == "multi_choice":
            expect(controls).to_have_count(len(item["options"]))
            # Every list can be answered with "none" outright (a required one must be); empty boxes mean
            # "not answered yet".
            expect(block.locator('input[type="checkbox"]')).to_have_count(len(item["options"]) + 1)
            expect(block.get_by_label("None of these", exact=True)).to_have_count(1)
        elif item["type"] == "single_choice":
            expect(block.locator('input[type="radio"]')).to_have_count(len(item["options"]))
        elif item["type"] == "boolean":
            expect(block.locator('input[type="radio"]')).to_have_count(2)
        else:
            expect(controls).to_have_attribute("type", "number")
            expect(controls).to_have_attribute("min", str(item["minimum"]))
            expect(controls).to_have_attribute("max", str(item["maximum"]))
        for option in item.get("options", []):
            expect(block.get_by_label(option["label"], exact=True)).to_have_attribute("value", option["value"])
    expect(form_of(form_page)).not_to_contain_text("null")
    assert console_errors == []


@pytest.mark.parametrize("plain", [False, True], ids=["adaptive", "plain"])
def test_none_of_these_and_the_other_boxes_exclude_each_other(form_page: Page, plain: bool) -> None:
    if plain:
        show_all(form_page)
    pain = question(form_page, "pain_areas")
    pain.get_by_label("Hip", exact=True).check()
    pain.get_by_label("Knee", exact=True).check()
    pain.get_by_label("None of these").check()
    expect(pain.locator("input:checked")).to_have_count(1)
    pain.get_by_label("Groin").check()
    expect(pain.get_by_label("None of these")).not_to_be_checked()
    expect(pain.locator("input:checked")).to_have_count(1)


def test_the_form_starts_with_the_most_decisive_questions(form_page: Page, sites: Sites,
                                                          questionnaire: list[dict[str, Any]]) -> None:
    start = api_post(form_page, f"{sites.app}/v1/screenings/preview", {})
    conditional = {item["id"] for item in questionnaire if item["show_if"]}
    moving = {item["id"] for item in questionnaire if item.get("asks_to_move")}
    assert not start["ready_to_move"] and moving <= set(start["next_questions"])
    # What can change the decision, except the tests that ask the athlete to move: they wait.
    first = [id for id in start["next_questions"] if id not in conditional | moving]
    questions_settled(form_page)
    assert on_screen(form_page) == first
    assert on_screen(form_page)[0] == "red_flags"  # what rules moving out is asked first
    for item in questionnaire:
        if item["id"] not in first:
            expect(question(form_page, item["id"])).to_be_hidden()  # cannot change the decision, or waits

    # The athlete may still answer everything that applies now, and go back.
    show_all(form_page)
    assert set(on_screen(form_page)) == {item["id"] for item in questionnaire} - conditional - moving
    expect(progress(form_page)).to_have_text("All questions are shown.")
    form_page.get_by_label("Show all questions").uncheck()
    questions_settled(form_page)
    assert on_screen(form_page) == first


def test_a_conditional_question_appears_only_when_it_applies(form_page: Page, athlete: dict[str, Any]) -> None:
    sumo_days = question(form_page, "sumo_days_per_week")
    expect(sumo_days).to_be_hidden()
    for stance, shown in [("sumo", True), ("conventional", False), ("mixed", True), ("none", False)]:
        fill_in(form_page, {"lifting_style": stance})
        questions_settled(form_page)
        expect(sumo_days).to_be_visible() if shown else expect(sumo_days).to_be_hidden()

    fill_in(form_page, {"lifting_style": "sumo", "sumo_days_per_week": 3})
    fill_in(form_page, {"lifting_style": "conventional"})
    show_all(form_page)
    answer_as_asked(form_page, athlete)  # every other question, the tests of movement once they are asked
    expect(sumo_days).to_be_hidden()
    with form_page.expect_request("**/v1/screenings") as sent:
        submit(form_page)
    body = sent.value.post_data_json
    assert body["lifting_style"] == "conventional" and "sumo_days_per_week" not in body
    fill_in(form_page, {"lifting_style": "mixed"})
    expect(sumo_days.locator("input")).to_have_value("3")  # a hidden answer is kept, only not sent


def test_the_preview_judges_only_the_answers_to_questions_the_service_shows(form_page: Page) -> None:
    judged: list[dict[str, Any]] = []
    form_page.on("request", lambda request: request.url.endswith("/v1/screenings/preview")
                 and judged.append(request.post_data_json))
    for answers in ({"lifting_style": "sumo"}, {"sumo_days_per_week": 3}, {"lifting_style": "conventional"}):
        fill_in(form_page, answers)
        questions_settled(form_page)
    assert judged[-1] == {"lifting_style": "conventional"}  # the hidden answer is kept, not judged
    expect(question(form_page, "sumo_days_per_week")).to_be_hidden()
    fill_in(form_page, {"lifting_style": "mixed"})
    questions_settled(form_page)
    assert judged[-1] == {"lifting_style": "mixed", "sumo_days_per_week": 3}  # shown again: judged again
    expect(question(form_page, "sumo_days_per_week").locator("input")).to_have_value("3")


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "375"), (DESKTOP, "desktop")])
def test_filling_and_submitting_shows_the_result_in_words(new_page: Callable[..., Page], sites: Sites,
                                                          athlete: dict[str, Any], viewport: dict[str, int],
                                                          name: str) -> None:
    page = new_page(viewport)
    page.goto(f"{sites.app}/form")
    asked = answer_as_asked(page, athlete)
    expect(progress(page)).to_contain_text(READY)
    # The phone shows the end of the questions, the desktop their start.
    progress(page).evaluate("node => node.scrollIntoView({block: 'center'})") if viewport is PHONE \
        else page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"form-{name}.png")
    with page.expect_response("**/v1/screenings") as response_info:
        submit(page)
    assert response_info.value.request.post_data_json == {id: athlete[id] for id in asked}
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
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # The questions the form did not ask are named, with the answers the result took for them.
    questionnaire = page.request.get(f"{sites.app}/v1/questionnaire").json()["questions"]
    skipped = [item for item in questionnaire if item["id"] not in asked and item.get("default") is not None]
    assumed = status.locator("[data-assumed]")
    expect(assumed).to_have_count(len(skipped))
    # A recommendation asks every optional question that changes how to do the drill, so
    # what is left unasked here changes nothing (the hip-pinch test shows a longer list).
    assert {item["id"] for item in skipped} <= {"hip_ir", "sumo_days_per_week"}
    screenshot(status, f"result-{name}.png")


def test_a_stop_result_is_prominent_and_refers(form_page: Page, athlete: dict[str, Any]) -> None:
    previews: list[Response] = []
    form_page.on("response", lambda response: response.url.endswith("/v1/screenings/preview")
                 and previews.append(response))
    answer_until(form_page, {**athlete, "structural_conditions": ["labral_tear"]}, READY)
    screening = previews[-1].json()["screening"]  # the safety answers it still needed given, it is whole
    submit(form_page)
    assert screening["refer"] is True
    status = result(form_page)
    expect(status).to_have_attribute("data-decision", "not_recommended")
    expect(status.get_by_role("heading", level=2)).to_have_text("Your result: Not recommended")
    stop = status.locator(".hs-stop")
    expect(stop.locator("li")).to_have_text(
        [referral(screening)]
        + [c["text"] for c in screening["cautions"] if c["severity"] == "stop"])
    assert stop.evaluate("node => node.previousElementSibling.matches('.hs-lead')")  # right under the decision
    expect(status).not_to_contain_text("Before you start")  # the referral is not repeated there
    expect(status).not_to_contain_text("Which version")
    expect(status).not_to_contain_text("null")


def test_changing_an_answer_after_a_result_says_the_result_is_out_of_date(form_page: Page,
                                                                          athlete: dict[str, Any]) -> None:
    show_all(form_page)
    answer_as_asked(form_page, athlete)
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    stale = form_page.locator(".hs-stale")
    expect(stale).to_be_hidden()
    fill_in(form_page, {"hip_pinch": True})
    expect(stale).to_be_visible()
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "not_recommended")
    expect(stale).to_be_hidden()


def test_unanswered_required_questions_are_named_beside_them_before_sending(
        form_page: Page, questionnaire: list[dict[str, Any]]) -> None:
    requests: list[Request] = []
    form_page.on("request", lambda request: request.url.endswith("/v1/screenings") and requests.append(request))
    expect(question(form_page, "prior_soft_tissue_work")).to_be_hidden()  # not asked yet: it changes no decision
    fill_in(form_page, {"sex": "female"})
    submit(form_page)
    # Sending asks for every required answer that applies, the safety answers first; the tests of
    # movement are not asked while nothing rules moving out.
    missing = [item for item in questionnaire if item["required"] and not item["show_if"]
               and not item.get("asks_to_move") and item["id"] != "sex"]
    assert {"red_flags", "age", "prior_soft_tissue_work"} <= {item["id"] for item in missing}
    for item in missing:
        expect(error_beside(form_page, item["id"])).to_have_text("Please answer this question.")
        expect(question(form_page, item["id"]).locator("input").first).to_have_attribute("aria-invalid", "true")
    expect(error_beside(form_page, "sex")).to_be_hidden()
    for item in questionnaire:
        if item.get("asks_to_move"):
            expect(question(form_page, item["id"])).to_be_hidden()
    summary = form_page.locator(".hs-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(f"Please check {len(missing)} answers:")
    expect(summary.get_by_role("link")).to_have_text([item["text"] for item in missing])
    summary.get_by_role("link", name=missing[0]["text"]).click()
    expect(question(form_page, "red_flags").locator("input").first).to_be_focused()
    assert requests == []


def test_a_422_from_the_service_is_shown_beside_its_field(form_page: Page, athlete: dict[str, Any]) -> None:
    fill_in(form_page, {"lifting_style": "sumo", "sumo_days_per_week": 9})
    answer_as_asked(form_page, athlete)  # the preview leaves the bad number out and goes on
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


def test_a_network_failure_shows_a_message_and_keeps_the_answers(form_page: Page, athlete: dict[str, Any]) -> None:
    show_all(form_page)
    answer_as_asked(form_page, athlete)
    form_page.route("**/v1/screenings", lambda route: route.abort("internetdisconnected"))
    submit(form_page)
    notice = form_page.locator(".hs-notice")
    expect(notice).to_contain_text("We could not reach the screening service")
    expect(notice).to_have_attribute("role", "alert")
    expect(result(form_page)).to_be_empty()
    expect_answers(form_page, athlete)

    form_page.unroute("**/v1/screenings")
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    expect(notice).to_be_hidden()


def test_a_server_fault_is_explained_in_plain_words(form_page: Page, athlete: dict[str, Any]) -> None:
    def fail(route: Route) -> None:
        route.fulfill(status=500, content_type="application/problem+json",
                      body='{"type": "about:blank", "title": "Internal Server Error", "status": 500, "detail": "x"}')

    form_page.route("**/v1/screenings", fail)
    show_all(form_page)
    answer_as_asked(form_page, athlete)
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
    expect(question(page, "red_flags")).to_be_visible()
    expect(form_of(page)).to_have_attribute("data-questions", "current")


def test_errors_for_fields_not_on_screen_are_listed_in_the_summary(form_page: Page, athlete: dict[str, Any]) -> None:
    problem = {"type": "about:blank", "title": "Invalid answers", "status": 422, "detail": "2 answer(s) are invalid",
               "errors": {"sumo_days_per_week": ["Must be given."], "_body": ["Expected a JSON object."]}}
    form_page.route("**/v1/screenings", lambda route: route.fulfill(
        status=422, content_type="application/problem+json", body=json.dumps(problem)))
    show_all(form_page)
    answer_as_asked(form_page, {**athlete, "lifting_style": "none"})
    submit(form_page)
    expect(form_page.locator(".hs-summary li")).to_have_text([
        "On how many days a week do you pull sumo? Must be given.", "Expected a JSON object."])


# ---- Asking only what matters


def test_a_contraindication_ends_the_questionnaire_at_once(form_page: Page, sites: Sites, athlete: dict[str, Any],
                                                          questionnaire: list[dict[str, Any]]) -> None:
    sent: list[Request] = []
    form_page.on("request", lambda request: request.url.endswith("/v1/screenings") and sent.append(request))
    asked_at_first = len(on_screen(form_page))
    with form_page.expect_response(PREVIEW) as preview_info:
        fill_in(form_page, {"red_flags": ["night_pain"]})  # a red flag: see a doctor, whatever else is said
    questions_settled(form_page)
    assert on_screen(form_page) == ["red_flags"]  # one question instead of all of them
    assert asked_at_first > 1 and len(questionnaire) > 1
    expect(progress(form_page)).to_contain_text(READY)
    expect(progress(form_page)).to_have_attribute("role", "status")

    submit(form_page)
    status = result(form_page)
    expect(status).to_have_attribute("data-decision", "not_recommended")
    preview = preview_info.value.json()
    screening = preview["screening"]
    # The result is what /v1/screenings gives for these answers, whatever the unasked required ones say.
    required = {item["id"]: athlete[item["id"]] for item in questionnaire if item["required"] and not item["show_if"]}
    full = api_post(form_page, f"{sites.app}/v1/screenings", {**required, "red_flags": ["night_pain"]})
    assert {**full, "id": screening["id"]} == screening
    expect(status.get_by_role("heading", level=2)).to_have_text("Your result: Not recommended")
    expect(status.locator(".hs-stop li")).to_have_text(
        [referral(full)]
        + [c["text"] for c in full["cautions"] if c["severity"] == "stop"])
    for reason in full["rationale"]:
        expect(status).to_contain_text(reason["text"])
    expect(status).to_contain_text(screening["id"])
    # Minus the tests of movement: once a red flag rules moving out, the form does not invite one.
    moving = {item["id"] for item in questionnaire if item.get("asks_to_move")}
    assumed = {id for id, value in preview["assumed_defaults"].items() if value is not None and id not in moving}
    listed = status.locator("[data-assumed]").evaluate_all("items => items.map(i => i.dataset.assumed)")
    assert assumed and set(listed) == assumed
    assert sent == []  # nothing more to ask the service


def test_a_normal_flow_asks_only_what_the_preview_asks(form_page: Page, sites: Sites, athlete: dict[str, Any],
                                                       questionnaire: list[dict[str, Any]]) -> None:
    start = api_post(form_page, f"{sites.app}/v1/screenings/preview", {})
    previews: list[Response] = []
    form_page.on("response", lambda response: response.url.endswith("/v1/screenings/preview")
                 and previews.append(response))
    progress(form_page).evaluate("""node => {
        node.said = [];
        new MutationObserver(() => node.textContent && node.said.push(node.textContent))
            .observe(node, {childList: true, characterData: true, subtree: true});
    }""")
    asked = answer_as_asked(form_page, athlete)
    expect(form_of(form_page)).to_have_attribute("data-questions", "current")  # the preview answered throughout
    wanted = set(start["next_questions"])
    # The tests of movement wait for the shown required questions before them (ready_to_move).
    first_moving = next(at for at, item in enumerate(questionnaire) if item.get("asks_to_move"))
    before_moving = {item["id"] for item in questionnaire[:first_moving] if item["required"]}
    for response in previews:
        body = response.json()
        wanted.update(body["next_questions"], body["screening_needs"], body["detail_questions"])
        if not body["ready_to_move"]:
            wanted.update(before_moving & set(body["shown_questions"]))
    assert set(asked) <= wanted
    moved = [at for at, item in enumerate(questionnaire) if item.get("asks_to_move") and item["id"] in asked]
    assert moved and max(asked.index(id) for id in before_moving & set(asked)) < min(
        asked.index(questionnaire[at]["id"]) for at in moved)  # moving is asked after all that comes before it
    assert len(asked) < len(questionnaire)
    assert sorted(on_screen(form_page)) == sorted(asked)  # nothing else on screen
    last = previews[-1].json()
    assert last["settled"] and last["screening_needs"] == [] and last["detail_questions"] == []
    # Said politely, and only when there is news: never once per answer.
    assert progress(form_page).evaluate("node => node.said") == [
        "1 question was added.",
        "Your result is nearly ready: the questions still open change how to do the drill."
        " You can answer them or see your result now.",
        "You have answered enough for a result. Press \u201cSee my result\u201d to see it.",
    ]
    # pain_severity is never asked: it applies only to an athlete in pain.
    assert "pain_severity" not in asked
    assert len(asked) == len(questionnaire) - 1

    with form_page.expect_response("**/v1/screenings") as response_info:
        submit(form_page)
    assert response_info.value.request.post_data_json == {id: athlete[id] for id in asked}
    screening = response_info.value.json()
    assert {**screening, "id": last["screening"]["id"]} == last["screening"]
    expect(result(form_page)).to_have_attribute("data-decision", last["decision"])


def hold_previews(page: Page) -> list[Route]:
    """Keep the preview's answers until the test lets each one through."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(PREVIEW, hold)
    return held


def test_a_late_answer_from_the_service_never_undoes_a_newer_one(form_page: Page) -> None:
    held = hold_previews(form_page)
    fill_in(form_page, {"red_flags": ["unwell"]})
    wait_until(form_page, lambda: len(held) == 1)
    fill_in(form_page, {"red_flags": []})
    wait_until(form_page, lambda: len(held) == 2)
    held[1].continue_()
    questions_settled(form_page)
    newer = on_screen(form_page)
    assert "structural_conditions" in newer and "age" in newer
    with form_page.expect_response(PREVIEW) as late:
        held[0].continue_()  # "settled: not recommended", for an answer since changed
    assert late.value.json()["settled"] is True
    form_page.evaluate("() => new Promise(resolve => setTimeout(resolve, 100))")
    assert on_screen(form_page) == newer
    expect(progress(form_page)).not_to_contain_text(READY)


def test_if_the_preview_fails_every_question_is_shown_and_nothing_is_lost(form_page: Page,
                                                                         athlete: dict[str, Any]) -> None:
    before = {"red_flags": [], "structural_conditions": []}
    for name, value in before.items():
        fill_in(form_page, {name: value})
        questions_settled(form_page)
    form_page.route(PREVIEW, lambda route: route.abort("internetdisconnected"))
    fill_in(form_page, {"age": athlete["age"]})
    expect(form_of(form_page)).to_have_attribute("data-questions", "all")
    expect(progress(form_page)).to_have_text(PREVIEW_FAILED)
    expect(form_page.get_by_label("Show all questions")).to_be_checked()
    for name in ("squats", "prior_soft_tissue_work", "wall_available", "pain_areas", "pain_severity", "sex",
                 "sumo_days_per_week", "hip_ir", "hip_pinch"):
        expect(question(form_page, name)).to_be_visible()
    expect_answers(form_page, {**before, "age": athlete["age"]})

    # The plain form from here on: sent to /v1/screenings, a 422 beside its field. pain_severity is
    # left blank (no pain): whether it applies is the service's to say, so the form does not demand it.
    fill_in(form_page, {**without(athlete, *before, "age"), "sumo_days_per_week": 9})
    with form_page.expect_response("**/v1/screenings") as response_info:
        submit(form_page)
    assert response_info.value.status == 422
    expect(error_beside(form_page, "sumo_days_per_week")).to_contain_text("7")
    fill_in(form_page, {"sumo_days_per_week": athlete["sumo_days_per_week"]})
    with form_page.expect_request("**/v1/screenings") as sent:
        submit(form_page)
    assert sent.value.post_data_json == athlete
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")


def test_the_plain_form_shows_what_the_service_says_it_shows(form_page: Page) -> None:
    """show_if is read on the server only: a preview that says otherwise than the rules is followed."""
    asked: list[dict[str, Any]] = []

    def contrary(route: Route) -> None:  # sumo days only for conventional lifting, and squats never
        asked.append(route.request.post_data_json)
        body = route.fetch().json()
        shown = [id for id in body["shown_questions"] if id not in ("squats", "sumo_days_per_week")]
        conventional = route.request.post_data_json.get("lifting_style") == "conventional"
        body["shown_questions"] = shown + (["sumo_days_per_week"] if conventional else [])
        route.fulfill(json=body)

    form_page.route(PREVIEW, contrary)
    show_all(form_page)
    sumo_days, squats = question(form_page, "sumo_days_per_week"), question(form_page, "squats")
    expect(squats).to_be_hidden()
    for stance, shown in [("sumo", False), ("conventional", True), ("mixed", False)]:
        fill_in(form_page, {"lifting_style": stance})
        questions_settled(form_page)
        expect(sumo_days).to_be_visible() if shown else expect(sumo_days).to_be_hidden()
        expect(squats).to_be_hidden()
    assert len(asked) == 4  # once for "show all", once per change


def test_a_burst_of_changes_asks_the_service_once_with_the_latest_answers(form_page: Page) -> None:
    """Every change may rule questions in or out, so the plain form asks; typing and arrow keys ask once."""
    asked: list[dict[str, Any]] = []
    form_page.on("request", lambda request: request.url.endswith("/v1/screenings/preview")
                 and asked.append(request.post_data_json))
    show_all(form_page)
    before = len(asked)
    question(form_page, "age").locator("input").press_sequentially("100")
    questions_settled(form_page)
    assert [answers.get("age") for answers in asked[before:]] == [100]  # not 1, 10, 100

    fill_in(form_page, {"sex": "female"})
    questions_settled(form_page)
    before = len(asked)
    for _ in range(3):  # female, male, other, prefer not to say: the arrow keys run through the radios
        form_page.keyboard.press("ArrowDown")
    expect(form_page.locator('input[name="sex"][value="prefer_not_to_say"]')).to_be_checked()
    questions_settled(form_page)
    assert len(asked) - before < 3 and asked[-1]["sex"] == "prefer_not_to_say"


def test_the_plain_form_shows_every_question_while_the_service_cannot_say(form_page: Page) -> None:
    show_all(form_page)
    fill_in(form_page, {"lifting_style": "conventional", "recent_injury": False})
    questions_settled(form_page)
    expect(question(form_page, "sumo_days_per_week")).to_be_hidden()
    form_page.route(PREVIEW, lambda route: route.abort("internetdisconnected"))
    fill_in(form_page, {"lifting_style": "sumo"})
    expect(progress(form_page)).to_have_text(PREVIEW_FAILED)
    expect(form_of(form_page)).to_have_attribute("data-questions", "all")
    expect(question(form_page, "sumo_days_per_week")).to_be_visible()
    expect_answers(form_page, {"lifting_style": "sumo", "recent_injury": False})

    form_page.unroute(PREVIEW)  # the service answers again: its word counts again
    fill_in(form_page, {"lifting_style": "conventional"})
    questions_settled(form_page)
    expect(question(form_page, "sumo_days_per_week")).to_be_hidden()
    expect(progress(form_page)).to_have_text("All questions are shown.")
    expect_answers(form_page, {"lifting_style": "conventional", "recent_injury": False})


def test_a_busy_service_gives_the_whole_form_from_the_start(new_page: Callable[..., Page], sites: Sites,
                                                            athlete: dict[str, Any]) -> None:
    page = new_page()
    page.route(PREVIEW, lambda route: route.fulfill(
        status=429, headers={"Retry-After": "30"}, content_type="application/problem+json",
        body='{"type": "about:blank", "title": "Too Many Requests", "status": 429, "detail": "slow down"}'))
    page.goto(f"{sites.app}/form")
    expect(form_of(page)).to_have_attribute("data-questions", "all")
    expect(progress(page)).to_have_text(PREVIEW_FAILED)
    questionnaire = page.request.get(f"{sites.app}/v1/questionnaire").json()["questions"]
    # Without the service's word none is hidden, conditional ones included; in their own order.
    assert on_screen(page) == [item["id"] for item in questionnaire]
    # And it can be sent: a conditional question left blank (no pain, no severity) is the service's to judge.
    fill_in(page, athlete)
    with page.expect_response("**/v1/screenings") as response_info:
        submit(page)
    assert response_info.value.request.post_data_json == athlete
    expect(result(page)).to_have_attribute("data-decision", "recommended")


def press_tab_until(page: Page, selector: str, limit: int = 60, key: str = "Tab") -> None:
    for _ in range(limit):
        page.keyboard.press(key)
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
    press_tab_until(form_page, 'input[data-none-of="red_flags"]')  # the first question: red flags
    assert focus_outline(form_page) == "solid 3px"
    form_page.keyboard.press("Space")
    questions_settled(form_page)
    press_tab_until(form_page, 'input[name="age"]')
    form_page.keyboard.type("30")
    questions_settled(form_page)
    press_tab_until(form_page, 'input[data-none-of="recent_surgery"]')
    form_page.keyboard.press("Space")
    questions_settled(form_page)
    press_tab_until(form_page, 'input[name="recent_injury"]')
    form_page.keyboard.press("ArrowRight")  # radios: arrows move and select
    expect(form_page.locator('input[name="recent_injury"][value="false"]')).to_be_checked()
    assert focus_outline(form_page) == "solid 3px"
    questions_settled(form_page)
    press_tab_until(form_page, 'input[data-none-of="structural_conditions"]')
    form_page.keyboard.press("Space")
    questions_settled(form_page)
    press_tab_until(form_page, 'input[data-none-of="pain_areas"]')
    form_page.keyboard.press("Space")
    questions_settled(form_page)
    press_tab_until(form_page, 'input[name="sex"]')
    form_page.keyboard.press("ArrowDown")
    expect(form_page.locator('input[name="sex"][value="male"]')).to_be_checked()
    press_tab_until(form_page, 'input[name="lifting_style"]')
    form_page.keyboard.press("Space")
    expect(form_page.locator('input[name="lifting_style"][value="sumo"]')).to_be_checked()
    questions_settled(form_page)
    press_tab_until(form_page, 'input[name="sumo_days_per_week"]')
    form_page.keyboard.type("5")
    questions_settled(form_page)
    press_tab_until(form_page, 'input[name="prior_soft_tissue_work"]')
    form_page.keyboard.press("ArrowRight")
    expect(form_page.locator('input[name="prior_soft_tissue_work"][value="false"]')).to_be_checked()
    questions_settled(form_page)
    # Nothing rules moving out: now the test that asks the athlete to move, right after.
    press_tab_until(form_page, 'input[name="hip_pinch"]', limit=1)
    form_page.keyboard.press("ArrowRight")
    expect(form_page.locator('input[name="hip_pinch"][value="false"]')).to_be_checked()
    questions_settled(form_page)
    # The questions that change how to do the drill appear where they belong, above: back to one.
    press_tab_until(form_page, 'input[name="hip_ir"]', key="Shift+Tab")  # on its last option, coming back
    form_page.keyboard.press("ArrowDown")  # round to the first
    expect(form_page.locator('input[name="hip_ir"][value="limited"]')).to_be_checked()
    questions_settled(form_page)
    # Settled: the optional questions that change how to do the drill may be skipped.
    expect(progress(form_page)).to_contain_text(DETAILS_OPEN)
    press_tab_until(form_page, "button.hs-submit")
    assert focus_outline(form_page) == "solid 3px"
    form_page.keyboard.press("Enter")
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    expect(result(form_page).get_by_role("heading", level=2)).to_be_focused()


def test_focus_stays_where_it_is_when_questions_go(form_page: Page) -> None:
    held = hold_previews(form_page)
    press_tab_until(form_page, 'input[name="red_flags"]')
    form_page.keyboard.press("Space")  # pain at night or at rest: a red flag
    wait_until(form_page, lambda: len(held) == 1)
    age = question(form_page, "age").locator("input")
    press_tab_until(form_page, 'input[name="age"]')  # on to the next question before the service has answered
    expect(age).to_be_focused()
    held[0].continue_()
    questions_settled(form_page)
    expect(progress(form_page)).to_contain_text(READY)
    expect(question(form_page, "recent_surgery")).to_be_hidden()
    expect(age).to_be_focused()  # the question holding focus stays while it has it
    expect(question(form_page, "age")).to_be_visible()
    form_page.keyboard.press("Shift+Tab")
    expect(form_page.locator('input[data-none-of="red_flags"]')).to_be_focused()
    expect(question(form_page, "age")).to_be_hidden()  # gone once focus has left it
    assert on_screen(form_page) == ["red_flags"]
    form_page.keyboard.press("Tab")
    expect(form_page.get_by_role("button", name="See my result")).to_be_focused()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "desktop"])
def test_axe_finds_no_serious_or_critical_violations(new_page: Callable[..., Page], sites: Sites,
                                                     viewport: dict[str, int], athlete: dict[str, Any]) -> None:
    page = new_page(viewport)
    page.goto(f"{sites.app}/form")
    expect(page.locator("form.hs-form")).to_be_visible()
    fill_in(page, {"lifting_style": "sumo"})
    questions_settled(page)
    assert serious_violations(page) == []
    submit(page)
    expect(page.locator(".hs-summary")).to_be_visible()
    assert serious_violations(page) == []
    answer_until(page, {**athlete, "pain_areas": ["low_back"], "pain_severity": 4}, DETAILS_OPEN)
    submit(page)  # the optional detail questions skipped: the result lists them
    expect(result(page)).to_have_attribute("data-decision", "recommended_with_caution")
    result(page).locator("details summary").click()
    assert serious_violations(page) == []


def test_it_fits_a_375px_screen(new_page: Callable[..., Page], sites: Sites, athlete: dict[str, Any]) -> None:
    page = new_page(PHONE)
    page.goto(f"{sites.app}/form")
    show_all(page)  # every option row on screen
    answer_as_asked(page, athlete)
    submit(page)
    expect(result(page)).to_have_attribute("data-decision", "recommended")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    heights = page.locator(".hs-option, .hs-mode-label").evaluate_all(
        "rows => rows.map(row => row.getBoundingClientRect().height)")
    assert len(heights) > 30 and min(heights) >= 44  # comfortable touch targets
    width = page.get_by_role("button", name="See my result").bounding_box()
    assert width is not None and width["width"] >= PHONE["width"] * 0.8


def test_the_page_keeps_to_its_content_security_policy(form_page: Page, sites: Sites,
                                                       console_errors: list[str], athlete: dict[str, Any]) -> None:
    response = form_page.request.get(f"{sites.app}/form")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    with form_page.expect_response(PREVIEW):
        fill_in(form_page, {"red_flags": []})
    questions_settled(form_page)
    expect(form_of(form_page)).to_have_attribute("data-questions", "current")  # the preview got through
    show_all(form_page)
    answer_as_asked(form_page, athlete)
    submit(form_page)
    expect(result(form_page)).to_have_attribute("data-decision", "recommended")
    assert console_errors == []  # a blocked script, style or request would be logged here


def test_a_question_added_to_the_rules_appears_without_a_code_change(new_page: Callable[..., Page],
                                                                    rules_copy: Path) -> None:
    path = rules_copy / "questionnaire.yaml"
    questionnaire = yaml.safe_load(path.read_text())
    questionnaire["questions"].append({
        "id": "squat_depth", "text": "How deep do you squat?", "help": "Think of your usual working sets.",
        "type": "single_choice", "required": False, "default": "parallel", "show_if": {"squats": True},
        "options": [{"value": "parallel", "label": "To parallel"}, {"value": "deep", "label": "Below parallel"}],
    })
    path.write_text(yaml.safe_dump(questionnaire, sort_keys=False))
    app: Flask = create_app({"TESTING": True, "RULES_DIR": str(rules_copy), "ANON_RATE_LIMIT": "none"})
    with serve(app) as url:
        page = new_page()
        page.goto(f"{url}/form")
        expect(form_of(page)).to_have_attribute("data-questions", "current")  # the preview knows it too
        show_all(page)
        new_question = question(page, "squat_depth")
        expect(new_question).to_be_hidden()
        served = page.request.get(f"{url}/v1/questionnaire").json()["questions"]
        asked = answer_as_asked(page, athlete_for(served, squat_depth="deep"))
        assert asked.index("squat_depth") > asked.index("squats")  # shown once squats says yes
        expect(new_question).to_be_visible()
        expect(new_question).to_contain_text("How deep do you squat?")
        expect(page.get_by_label("Below parallel")).to_be_checked()
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
                                                             host_site: HostSite, athlete: dict[str, Any]) -> None:
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
    with page.expect_response(f"{sites.app}/v1/screenings/preview") as preview_info:
        fill_in(second, {"red_flags": []})
    assert preview_info.value.headers["access-control-allow-origin"] == sites.host
    answer_as_asked(second, athlete)
    expect(form_of(second)).to_have_attribute("data-questions", "current")
    with page.expect_response(f"{sites.app}/v1/screenings") as response_info:
        submit(second)
    assert response_info.value.headers["access-control-allow-origin"] == sites.host
    expect(result(second)).to_have_attribute("data-decision", "recommended")
    expect(result(first)).to_be_empty()
    assert serious_violations(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "embed-375.png")


def test_cross_origin_fetch_to_the_api(new_page: Callable[..., Page], sites: Sites, host_site: HostSite,
                                       athlete: dict[str, Any]) -> None:
    host_site.pages["/blank"] = host_page(sites, "<p>Nothing embedded.</p>")
    script = """async ([base, answers]) => {
        const questionnaire = await fetch(base + '/v1/questionnaire').then(r => r.json());
        const response = await fetch(base + '/v1/screenings', {
            method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(answers)});
        return [questionnaire.questions.length, response.status, (await response.json()).decision];
    }"""
    page = new_page()
    page.goto(f"{sites.host}/blank")
    questions, status, decision = page.evaluate(script, [sites.app, athlete])
    assert (status, decision) == (200, "recommended") and questions > 0

    refused = """async (base) => {
        try { await fetch(base + '/v1/questionnaire'); return 'read'; } catch (error) { return error.name; }
    }"""
    page.goto(f"{sites.stranger}/blank")
    assert page.evaluate(refused, sites.app) == "TypeError"  # the browser withholds the answer


def test_the_iframe_option(new_page: Callable[..., Page], sites: Sites, host_site: HostSite,
                           athlete: dict[str, Any]) -> None:
    host_site.pages["/frame"] = host_page(
        sites, f'<iframe src="{sites.app}/form" title="Hip mobility check" width="100%" height="700"></iframe>')
    page = new_page()
    page.goto(f"{sites.host}/frame")
    assert [frame.url for frame in page.frames[1:]] == [f"{sites.app}/form"]
    frame = page.frame_locator("iframe")
    fill_in(frame.locator("body"), {"red_flags": ["unwell"]})
    questions_settled(frame.locator("body"))
    submit(frame.locator("body"))
    expect(result(frame.locator("body"))).to_have_attribute("data-decision", "not_recommended")

    page.goto(f"{sites.stranger}/frame")  # an origin CORS_ORIGINS does not list may not frame /form
    # Refused to load; the frame's URL can lag behind the page's load event.
    wait_until(page, lambda: [frame.url for frame in page.frames[1:]] == ["chrome-error://chromewebdata/"])


# ---- Intakes: the form that stores the submission for an organization


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


# ---- Safety first: nothing that asks the athlete to move comes before what rules moving out


MOVING = ("hip_ir", "hip_pinch")


@pytest.mark.parametrize("plain", [False, True], ids=["adaptive", "plain"])
def test_a_red_flag_ends_the_questionnaire_at_once(form_page: Page, plain: bool) -> None:
    if plain:
        show_all(form_page)
    sent: list[Request] = []
    form_page.on("request", lambda request: request.url.endswith("/v1/screenings") and sent.append(request))
    fill_in(form_page, {"red_flags": ["numbness_or_weakness"]})
    questions_settled(form_page)
    assert on_screen(form_page) == ["red_flags"]
    expect(progress(form_page)).to_contain_text(READY)
    submit(form_page)
    status = result(form_page)
    expect(status).to_have_attribute("data-decision", "not_recommended")
    expect(status).to_contain_text("emergency department")
    assert sent == []  # the preview already gave the whole screening


@pytest.mark.parametrize("plain", [False, True], ids=["adaptive", "plain"])
def test_a_hip_replacement_never_reaches_hip_pinch(form_page: Page, athlete: dict[str, Any], plain: bool) -> None:
    if plain:
        show_all(form_page)
    assert not set(MOVING) & set(on_screen(form_page))  # nothing is known yet: no movement asked
    replaced = {**athlete, "structural_conditions": ["hip_replacement"]}
    asked: list[str] = []
    for _ in range(40):
        questions_settled(form_page)
        assert not set(MOVING) & set(on_screen(form_page)), asked
        if READY in progress(form_page).inner_text():
            break
        waiting = waiting_for_an_answer(form_page)
        assert waiting, asked
        fill_in(form_page, {waiting[0]: replaced[waiting[0]]})
        asked.append(waiting[0])
    assert "structural_conditions" in asked and not set(MOVING) & set(asked)
    submit(form_page)
    status = result(form_page)
    expect(status).to_have_attribute("data-decision", "not_recommended")
    expect(status).to_contain_text("new joint out of place")


@pytest.mark.parametrize("reason", [{"structural_conditions": ["hip_replacement"]}, {"red_flags": ["unwell"]}],
                         ids=["hip_replacement", "red_flag"])
def test_an_intake_form_stores_a_ruled_out_athlete_without_asking_to_move(
        new_page: Callable[..., Page], sites: Sites, athlete: dict[str, Any], reason: dict[str, Any]) -> None:
    """The coach gets every safety answer and the referral; the athlete is never asked to try a movement."""
    page = new_page()
    intake = open_intake(page, sites)
    page.goto(intake["form_url"])
    ruled_out = {**athlete, **reason}
    asked = answer_as_asked(page, ruled_out)
    page.get_by_label("Your name").fill("Ray Ode")
    page.get_by_label("I agree that northside-athletics keeps my name").check()
    for _ in range(10):  # sending may first bring up the required questions the service still shows
        submit(page)
        questions_settled(page)
        more = answer_as_asked(page, ruled_out)
        if not more:
            break
        asked += more
    expect(result(page)).to_have_count(1)
    assert not set(MOVING) & set(asked) and not set(MOVING) & set(on_screen(page)), asked
    expect(result(page)).to_have_attribute("data-decision", "not_recommended")
    [submission] = stored(page, sites, intake["id"])
    assert submission["screening"]["decision"] == "not_recommended" and submission["screening"]["refer"] is True
    # Stored as screened: the pinch test left out, the rotation test at its default, "not tested".
    assert "hip_pinch" not in submission["answers"] and submission["answers"]["hip_ir"] == "not_tested"
    assert {name: submission["answers"][name] for name in reason} == reason
