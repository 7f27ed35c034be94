"""The AI panel end to end: a real OpenAI-compatible stand-in, the real app, Chromium.

Ask for a change → the answer streams → the diff opens → Apply writes the file → Undo puts it
back; provider errors give a clear message; with no provider the panel says how to add one;
the AI settings page adds and tests a provider; ``?file=&line=`` opens a file at a line.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_editor import EDITOR, _api, _content, _open_editor, _project, _put, _sign_in
from tests.standins import openai_compat
from tests.standins.openai_compat import Reply, Script
from tests.standins.server import serve

CALC = "def add(a, b):\n    return a + b\n"
EDIT = (
    "```edit calc.py\n<<<<<<< SEARCH\n    return a + b\n=======\n    return b + a\n"
    ">>>>>>> REPLACE\n```\n"
)
ANSWER = "Swapping the operands makes the order explicit.\n\n" + EDIT


@pytest.fixture
def standin() -> Iterator[tuple[str, Script]]:
    script = Script()
    with serve(openai_compat.create_app(script)) as url:
        yield f"{url}/v1", script


def _clear_providers(page, live_app) -> None:
    for p in _api(page, live_app, "GET", "/api/v1/assistant/providers"):
        _api(page, live_app, "DELETE", f"/api/v1/assistant/providers/{p['id']}")


def _add_provider(page, live_app, url: str, *, timeout: float = 20.0) -> dict:
    _clear_providers(page, live_app)
    body = {
        "name": "standin",
        "base_url": url,
        "api_key": "sk-standin-key-9876",
        "default_model": "standin-small",
        "timeout_seconds": timeout,
    }
    return _api(page, live_app, "POST", "/api/v1/assistant/providers", data=body)


def _new_project(page, live_app, name: str) -> dict:
    """Create a project and wait until it is readable: the API's session commits only after
    the response has been sent, so an immediate next request can miss the new row."""
    project = _project(page, live_app, name)
    url = live_app.url(f"/api/v1/projects/{project['id']}")
    for _ in range(50):
        if page.request.get(url).ok:
            break
        page.wait_for_timeout(100)
    return project


def _open_panel(page) -> None:
    """Open the panel unless it still is (the page state outlives a reload)."""
    slot = page.locator("#assistant-slot")
    expect(page.locator("#assistant-toggle")).to_be_enabled()
    page.wait_for_function("() => !!window.vibeEditor || !!document.querySelector('#editor-empty')")
    if not slot.is_visible():
        page.locator("#assistant-toggle").click()
    expect(slot).to_be_visible(timeout=15_000)


def _ask(page, text: str) -> None:
    box = page.locator("#assistant-input")
    box.fill(text)
    box.press("Enter")


def test_ask_stream_review_apply_and_undo(page, live_app, standin):
    url, script = standin
    _sign_in(page, live_app)
    _add_provider(page, live_app, url)
    project = _new_project(page, live_app, "Assisted")
    _put(page, live_app, project, "calc.py", CALC)
    _open_editor(page, live_app, project)
    page.locator('[data-tree-path="calc.py"]').click()
    expect(page.locator(EDITOR)).to_contain_text("return a + b")
    _open_panel(page)
    expect(page.locator("#assistant-provider")).to_contain_text("fallback order")
    expect(page.locator("#context-tokens")).to_contain_text("tokens")
    shot(page, "assistant-01-panel")

    script.add(Reply(text=ANSWER, mode="pause", chunk_size=16))
    _ask(page, "Swap the operands in add()")
    # The first piece arrives while the stand-in holds the rest back: the answer streams.
    expect(page.locator("#assistant-live")).to_contain_text("Swapping the ope")
    expect(page.locator("#assistant-stop")).to_be_visible()
    shot(page, "assistant-02-streaming")
    script.release.set()

    review = page.locator("#assistant-review")
    expect(review).to_be_visible()
    expect(review).to_contain_text("calc.py")
    expect(review.locator(".view-lines").last).to_contain_text("return b + a")
    shot(page, "assistant-03-review")
    sent = script.requests[-1]["messages"][-1]["content"]
    assert "current file calc.py" in sent and "return a + b" in sent

    page.locator("#review-apply").click()
    expect(review).to_have_count(0)
    proposal = page.locator('.proposal[data-path="calc.py"]')
    expect(proposal).to_have_attribute("data-status", "applied")
    assert _content(page, live_app, project, "calc.py") == CALC.replace("a + b", "b + a")
    expect(page.locator(EDITOR)).to_contain_text("return b + a")
    shot(page, "assistant-04-applied")

    proposal.locator(".proposal-undo").click()
    expect(proposal).to_have_attribute("data-status", "undone")
    assert _content(page, live_app, project, "calc.py") == CALC
    expect(page.locator(EDITOR)).to_contain_text("return a + b")

    # The conversation is kept per project and comes back after a reload.
    page.reload()
    _open_panel(page)
    page.locator("#assistant-history").click()
    page.locator(".history-item").first.click()
    expect(page.locator(".assistant-user")).to_contain_text("Swap the operands")
    expect(page.locator('.proposal[data-path="calc.py"]')).to_have_attribute(
        "data-status", "undone"
    )
    _clear_providers(page, live_app)


def test_provider_errors_are_explained_and_stop_keeps_the_text(page, live_app, standin):
    url, script = standin
    _sign_in(page, live_app)
    _add_provider(page, live_app, url, timeout=1.5)
    project = _new_project(page, live_app, "Failing Provider")
    _open_editor(page, live_app, project)
    _open_panel(page)
    cases = [
        ("401", "authentication failed (401): check the API key"),
        ("500", "the provider answered with an error (500)"),
        ("hang", "no answer within 1.5 s (timeout)"),
        ("malformed", "malformed response"),
    ]
    for n, (mode, expected) in enumerate(cases, 1):
        script.add(Reply(mode=mode, text="x" * 40))
        _ask(page, f"question {n}")
        errors = page.locator(".assistant-error")
        expect(errors).to_have_count(n, timeout=15_000)
        expect(errors.nth(n - 1)).to_contain_text(expected)
    shot(page, "assistant-05-errors")

    script.add(Reply(text="A long answer that will be stopped early.", mode="pause", chunk_size=8))
    _ask(page, "Tell me a story")
    expect(page.locator("#assistant-live")).to_contain_text("A long a")
    page.locator("#assistant-stop").click()
    stopped = page.locator('.assistant-message[data-status="stopped"]')
    expect(stopped).to_contain_text("A long a")
    expect(stopped).to_contain_text("stopped")
    expect(page.locator("#assistant-send")).to_be_visible()
    _clear_providers(page, live_app)


def test_no_provider_explains_how_to_add_one(page, live_app):
    _sign_in(page, live_app)
    _clear_providers(page, live_app)
    project = _new_project(page, live_app, "No Provider")
    _open_editor(page, live_app, project)
    _open_panel(page)
    setup = page.locator("#assistant-setup")
    expect(setup).to_contain_text("No AI provider is set up yet")
    expect(setup).to_contain_text("http://127.0.0.1:11434/v1")
    shot(page, "assistant-06-no-provider")
    page.locator("#assistant-setup-link").click()
    page.wait_for_url("**/settings/ai")
    expect(page.get_by_text("No AI provider yet")).to_be_visible()


def test_settings_page_adds_tests_and_deletes_a_provider(page, live_app, standin):
    url, _script = standin
    _sign_in(page, live_app)
    _clear_providers(page, live_app)
    page.goto(live_app.url("/settings/ai"))
    # As a person would: once the page shows its (empty) list, the page is live.
    expect(page.get_by_text("No AI provider yet")).to_be_visible()
    page.locator("#add-provider").click()
    page.locator("#provider-name").fill("Local stand-in")
    page.locator("#provider-base-url").fill(url)
    page.locator("#provider-api-key").fill("sk-secret-key-abcd")
    page.locator("#provider-default-model").fill("standin-small")
    page.locator("#provider-save").click()
    card = page.locator(".provider-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Local stand-in")
    expect(card).to_contain_text("…abcd")
    expect(card).not_to_contain_text("sk-secret")
    card.locator(".provider-test").click()
    expect(card.locator(".provider-test-result")).to_contain_text("connected: 2 model(s)")
    expect(card.locator(".provider-models")).to_contain_text("standin-large")
    shot(page, "assistant-07-settings")

    page.locator("#user-menu").click()
    expect(page.locator("#menu-ai-settings")).to_be_visible()
    page.keyboard.press("Escape")
    card.locator(".provider-delete").click()
    expect(page.locator(".provider-card")).to_have_count(0)


def test_file_and_line_query_opens_the_file_there(page, live_app):
    _sign_in(page, live_app)
    project = _new_project(page, live_app, "Linked")
    lines = [f"value_{n} = {n}" for n in range(1, 81)]
    _put(page, live_app, project, "pkg/data.py", "\n".join(lines) + "\n")
    page.goto(live_app.url(f"/projects/{project['slug']}?file=pkg/data.py&line=60"))
    expect(page.locator('[data-tab-path="pkg/data.py"]')).to_be_visible()
    expect(page.locator("#status-position")).to_have_text("Ln 60, Col 1")
    expect(page.locator(EDITOR)).to_contain_text("value_60 = 60")


def test_go_to_definition_from_the_code_graph(page, live_app):
    _sign_in(page, live_app)
    project = _new_project(page, live_app, "Navigable")
    util = "def helper(x):\n    return x + 1\n"
    app = "from util import helper\n\n\ndef main():\n    return helper(2)\n"
    _put(page, live_app, project, "util.py", util)
    _put(page, live_app, project, "app.py", app)
    _open_editor(page, live_app, project)
    page.locator('[data-tree-path="app.py"]').click()
    expect(page.locator(EDITOR)).to_contain_text("return helper(2)")
    _cursor_on(page, 5, 12)
    page.keyboard.press("F12")
    expect(page.locator(".monaco-editor-overlaymessage")).to_contain_text("not built yet")

    base = f"/api/v1/projects/{project['id']}/graph"
    _api(page, live_app, "POST", base + "/index", data={})
    for _ in range(100):
        job = _api(page, live_app, "GET", base + "/status")["job"]
        if job and job["status"] in ("succeeded", "failed"):
            break
        page.wait_for_timeout(200)
    assert job["status"] == "succeeded", job
    _cursor_on(page, 5, 12)
    page.keyboard.press("F12")
    expect(page.locator('[data-tab-path="util.py"]')).to_be_visible()
    expect(page.locator("#status-position")).to_have_text("Ln 1, Col 1")
    expect(page.locator(EDITOR)).to_contain_text("return x + 1")
    shot(page, "assistant-08-definition")


def _cursor_on(page, line: int, column: int) -> None:
    page.locator(EDITOR).click()
    page.evaluate(
        "([l, c]) => { const e = window.vibeEditor.editor(); e.setPosition({lineNumber: l,"
        " column: c}); e.focus(); }",
        [line, column],
    )


MARKDOWN_ANSWER = (
    "Use **sorted** here, and mind $x^2$:\n\n"
    "```python\nvalues = sorted(items)\n```\n\n"
    '<img src=x onerror="window.__injected = 1">\n'
)


def test_answers_render_markdown_code_and_math_but_no_html(page, live_app, standin):
    url, script = standin
    _sign_in(page, live_app)
    _add_provider(page, live_app, url)
    project = _new_project(page, live_app, "Markdown Answers")
    _open_editor(page, live_app, project)
    _open_panel(page)
    script.add(Reply(text=MARKDOWN_ANSWER))
    _ask(page, "How do I sort?")
    answer = page.locator(".assistant-message .answer").last
    expect(answer.locator("strong")).to_have_text("sorted")
    expect(answer.locator("pre code.language-python")).to_contain_text("values = sorted(items)")
    expect(answer.locator("pre code.language-python .token").first).to_be_visible()  # highlighted
    expect(answer.locator(".katex").first).to_be_visible()
    expect(answer.locator("img")).to_have_count(0)
    assert page.evaluate("() => window.__injected") is None
    shot(page, "assistant-09-markdown")
    _clear_providers(page, live_app)
