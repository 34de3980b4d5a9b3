"""The operator console in a real browser: Debian's Chromium, driven headless by Playwright.

scripts/ui-test.sh runs this with the built `reprise` binary and a database URL. It starts a real
`reprise dev` (the samples, with an OpenAI-format stand-in for the LLM provider served from this
process) and a real `reprise server` with tokens on the same database, and checks what a person
would see: TripSaga's failure and compensations, LeadNurture's dead letter retried from the
console, a payload holding markup shown as text, the LLM cost chart, and the token prompt with a
reader's token offering no write actions. Screenshots of each view go to the artefacts folder.

Every wait is on a condition (a DOM state or an API answer) with a generous deadline, never a
sleep followed by an assertion: the machine may be loaded.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

from playwright.sync_api import expect, sync_playwright

from harness import (API, ARTEFACTS, CHROMIUM, DATABASE_URL, EXAMPLES, PATIENCE_MS, REPRISE, Console, StandInLLM, free_port, shoot,
                     start_process)

# A payload that would run if the console ever put data into the page as markup.
HOSTILE = '<script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = \'img\'">'


def test_trip_saga_failure_and_compensations(browser, dev, api):
    trip = json.load(open(os.path.join(EXAMPLES, "trip-saga.json")))
    # A traveler with a quote in her name: the search-attribute filter below must quote it.
    api("POST", "/api/v1/namespaces/default/workflows",
        {"workflowId": "trip-demo", "type": "TripSaga", "input": trip, "searchAttributes": {"traveler": "Ada O'Hara"}})
    console = Console(browser, dev)
    page = console.page
    # `reprise dev` sends / to the console, and the console's pages carry the security headers.
    response = page.goto(f"{dev}/")
    assert page.url == f"{dev}/ui/", page.url
    headers = response.all_headers()
    assert "default-src 'self'" in headers["content-security-policy"], headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"], headers
    assert headers["x-content-type-options"] == "nosniff", headers
    expect(page.locator("#session")).to_have_text("dev: no token needed")

    row = page.locator('tr[data-workflow-id="trip-demo"]')
    # Live refresh: the row turns Failed without a reload.
    expect(row.locator("[data-status]")).to_have_text("Failed")
    expect(row).to_contain_text("TripSaga")
    shoot(page, "runs")

    # The status filter asks the API for failed runs only.
    page.select_option('select[name="status"]', "Completed")
    page.click('form.filters button[type="submit"]')
    expect(page.locator("#runs-list")).to_contain_text("No runs match.")
    page.select_option('select[name="status"]', "Failed")
    page.click('form.filters button[type="submit"]')
    expect(row).to_be_visible()

    row.locator("a").click()
    expect(page.locator("main h1")).to_have_text("trip-demo")
    failure = page.locator('[data-field="failure"]')
    expect(failure).to_contain_text("TripBookingFailed")
    expect(failure).to_contain_text("canceled hotel NYC-MIDTOWN")
    expect(failure).to_contain_text("canceled flight RP100")
    history = page.locator("#history")
    expect(history.locator('[data-event-type="WorkflowExecutionFailed"]')).to_have_count(1)
    # The compensations are activities in the timeline: trip.cancel, twice.
    expect(history.locator('[data-event-type="ActivityTaskScheduled"]', has_text="trip.cancel")).to_have_count(2)
    assert page.locator("#run-actions").count() == 0, "a closed run offers no actions"
    history.locator('[data-event-type="WorkflowExecutionFailed"] summary').click()
    shoot(page, "run")
    console.check_clean()
    console.close()


def test_markup_in_payloads_is_text(browser, dev, api):
    # No worker serves this type, so the run stays open with its input as given. (The id is plain:
    # the API does not percent-decode path parameters, so an id with `<` cannot be addressed.)
    api("POST", "/api/v1/namespaces/default/workflows",
        {"workflowId": "markup-probe", "type": "Probe<script>window.__pwned='type'</script>", "input": {"note": HOSTILE}})
    console = Console(browser, dev)
    page = console.page
    console.open("#/runs")
    row = page.locator('tr[data-workflow-id="markup-probe"]')
    expect(row).to_contain_text("Probe<script>window.__pwned='type'</script>")
    expect(row.locator("a")).to_have_text("markup-probe")
    row.locator("a").click()
    expect(page.locator('[data-field="input"]')).to_contain_text(HOSTILE.replace('"', '\\"'))
    expect(page.locator("main h1")).to_have_text("markup-probe")
    expect(page.locator("#history [data-event-type='WorkflowExecutionStarted']")).to_have_count(1)
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")
    shoot(page, "markup-as-text")

    # A signal sent from the run view, confirmed, reaches the timeline through the long-poll.
    page.fill('input[name="signal-name"]', "nudge")
    page.fill('textarea[name="signal-input"]', '{"note": "<i>hi</i>"}')
    page.click('button[data-action="signal"]')
    signaled = page.locator('#history [data-event-type="WorkflowExecutionSignaled"]')
    expect(signaled).to_have_count(1)
    expect(signaled).to_contain_text("nudge")
    assert ("confirm", "Send signal \"nudge\" to markup-probe?") in console.dialogs, console.dialogs
    signaled.locator("summary").click()
    expect(signaled.locator(".payload")).to_contain_text('"note": "<i>hi</i>"')
    assert page.evaluate("document.querySelectorAll('main i').length") == 0
    console.check_clean()
    console.close()


def test_runs_page_through_a_filtered_list(browser, dev, api):
    # 55 runs of a type no worker serves: a first page of 50, then 5.
    for n in range(55):
        api("POST", "/api/v1/namespaces/default/workflows", {"workflowId": f"page-{n:02d}", "type": "PageProbe"})
    console = Console(browser, dev)
    page = console.page
    console.open("#/runs?type=PageProbe&live=0")
    rows = page.locator("#runs-list tr[data-workflow-id]")
    expect(rows).to_have_count(50)
    expect(rows.first).to_have_attribute("data-workflow-id", "page-54")  # newest first
    expect(page.locator('input[name="type"]')).to_have_value("PageProbe")
    page.click('button[data-action="next-page"]')
    expect(rows).to_have_count(5)
    expect(rows.last).to_have_attribute("data-workflow-id", "page-00")
    expect(page.locator('button[data-action="next-page"]')).to_be_disabled()
    page.click("text=← Newer")
    expect(rows).to_have_count(50)
    console.check_clean()
    console.close()


def local_time(page, offset_seconds):
    """A `datetime-local` value in the browser's own zone, `offset_seconds` from now."""
    return page.evaluate("""(offset) => {
        const d = new Date(Date.now() + offset * 1000);
        const pad = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    }""", offset_seconds)


def test_runs_filters_build_a_quoted_query(browser, dev, api):
    console = Console(browser, dev)
    page = console.page
    rows = page.locator("#runs-list tr[data-workflow-id]")
    apply = page.locator('form.filters button[type="submit"]')
    # The failed TripSaga by an id prefix: only it starts with "trip-de".
    console.open("#/runs?live=0")
    page.fill('input[name="prefix"]', "trip-de")
    apply.click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-workflow-id", "trip-demo")
    expect(page.locator("#runs-query")).to_contain_text("WorkflowId STARTS_WITH 'trip-de'")

    # By its search attribute, whose value holds a quote, with its status and a time range.
    page.click('button[data-action="clear"]')
    expect(page.locator('input[name="prefix"]')).to_have_value("")
    page.select_option('select[name="status"]', "Failed")
    page.click('button[data-action="add-attribute"]')
    page.fill('input[name="sa-name"]', "traveler")
    page.fill('input[name="sa-value"]', "Ada O'Hara")
    page.fill('input[name="from"]', local_time(page, -3600))
    page.fill('input[name="to"]', local_time(page, 3600))
    page.uncheck('input[name="live"]')
    apply.click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-workflow-id", "trip-demo")
    expect(page.locator("#runs-query")).to_contain_text("traveler = 'Ada O\\'Hara'")
    shoot(page, "runs-filtered")
    # The filters live in the URL: a reload shows the same list, the form filled.
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.locator('input[name="sa-value"]')).to_have_value("Ada O'Hara")
    # A range that ends before the run started matches nothing.
    page.fill('input[name="to"]', local_time(page, -1800))
    apply.click()
    expect(page.locator("#runs-list")).to_contain_text("No runs match.")

    # A value that would widen the query if it were spliced in stays one string: no match, no error.
    console.open("#/runs?live=0")
    page.fill('input[name="prefix"]', "x' OR WorkflowId STARTS_WITH '")
    apply.click()
    expect(page.locator("#runs-list")).to_contain_text("No runs match.")
    page.fill('input[name="prefix"]', "trip\\")
    apply.click()
    expect(page.locator("#runs-list")).to_contain_text("No runs match.")
    assert page.locator("main .notice.error").count() == 0, page.locator("main .notice.error").all_text_contents()
    # A list query typed as is joins the filters; a malformed one is the API's 400, shown.
    page.fill('input[name="prefix"]', "")
    page.fill('input[name="q"]', "WorkflowType = 'TripSaga' AND traveler = 'Ada O''Hara'")
    apply.click()
    expect(rows).to_have_count(1)
    page.fill('input[name="q"]', "WorkflowId = ")
    apply.click()
    expect(page.locator("main .notice.error")).to_contain_text("InvalidQuery")
    console.check_clean()
    console.close()


def test_children_chain_and_timers_on_a_run(browser, dev, api):
    sub = json.load(open(os.path.join(EXAMPLES, "subscription.json")))
    # Billed twice, a second apart, then done: three runs chained by continue-as-new.
    api("POST", "/api/v1/namespaces/default/workflows", {"workflowId": "sub-chain", "type": "Subscription", "input": {
        **sub, "subscriptionId": "sub_chain", "customer": "cus_chain", "periodSeconds": 1, "maxPeriods": 2}})
    # A declined card: the period's charge fails and a dunning child takes over, waiting a minute.
    api("POST", "/api/v1/namespaces/default/workflows", {"workflowId": "sub-child", "type": "Subscription", "input": {
        **sub, "subscriptionId": "sub_child", "customer": "cus_child", "paymentSource": "tok_chargeDeclined", "periodSeconds": 1,
        "retryScheduleSeconds": [60]}})
    console = Console(browser, dev)
    page = console.page

    # The chain: the latest run links to the one it continued, which links both ways.
    deadline = time.monotonic() + PATIENCE_MS / 1000
    while api("GET", "/api/v1/namespaces/default/workflows/sub-chain")["status"] != "Completed":
        assert time.monotonic() < deadline, "the subscription chain did not complete"
        time.sleep(0.5)
    console.open("#/run/sub-chain")
    chain = page.locator("#run-chain")
    expect(page.locator("#run-summary [data-status]")).to_have_text("Completed")
    expect(chain).to_contain_text("latest run")
    chain.locator("a").click()
    expect(page.locator("#run-summary [data-status]")).to_have_text("ContinuedAsNew")
    expect(chain.locator("a")).to_have_count(2)
    # The period's wait is a timer, fired.
    expect(page.locator("table.timers tr[data-timer-id]").first).to_contain_text("Fired")
    shoot(page, "run-chain")
    chain.locator("a").first.click()
    expect(chain).to_contain_text("first run")

    # The child: listed on the parent's run view from its history, and one click away.
    console.open("#/run/sub-child")
    child = page.locator('table.children tr[data-child-id="sub-child-dunning-1"]')
    expect(child).to_contain_text("SubscriptionDunning")
    expect(child.locator("[data-status]")).to_have_text("Running")
    expect(child.locator("a")).not_to_have_attribute("data-run-id", "")
    shoot(page, "run-children")
    child.locator("a").click()
    expect(page.locator("main h1")).to_have_text("sub-child-dunning-1")
    expect(page.locator("#history [data-event-type='WorkflowExecutionStarted']")).to_have_count(1)
    console.check_clean()
    console.close()


def test_schedules_view(browser, dev, api):
    api("POST", "/api/v1/namespaces/default/schedules", {
        "scheduleId": "nightly-probe", "spec": {"interval": "1h"},
        "action": {"type": "ScheduleProbe", "input": {"note": HOSTILE}}, "note": "<b>set up by the UI test</b>"})
    console = Console(browser, dev)
    page = console.page
    console.open("#/schedules")
    row = page.locator('#schedules-list tr[data-schedule-id="nightly-probe"]')
    expect(row).to_contain_text("ScheduleProbe")
    expect(row.locator('[data-field="state"]')).to_have_text("Active")
    row.locator("a").click()
    detail = page.locator("#schedule")
    expect(detail.locator('[data-field="schedule-input"]')).to_contain_text(HOSTILE.replace('"', '\\"'))
    expect(detail).to_contain_text("<b>set up by the UI test</b>")
    assert page.evaluate("document.querySelectorAll('main script, main img, main b').length") == 0
    assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")

    # Pause (confirmed by the prompt, with a note), trigger, unpause.
    console.prompt_answer = "maintenance window"
    detail.locator('button[data-action="pause"]').click()
    expect(detail.locator('[data-field="schedule-state"]')).to_have_text("Paused")
    expect(detail).to_contain_text("maintenance window")
    expect(row.locator('[data-field="state"]')).to_have_text("Paused")
    assert any(kind == "prompt" and message.startswith("Pause nightly-probe?") for kind, message in console.dialogs), console.dialogs
    detail.locator('button[data-action="trigger"]').click()
    expect(detail.locator(".status-line")).to_contain_text("1 started")
    expect(detail.locator("table.recent tr[data-workflow-id]")).to_have_count(1)
    assert ("confirm", "Start a run of nightly-probe now?") in console.dialogs, console.dialogs
    shoot(page, "schedules")
    console.prompt_answer = ""
    detail.locator('button[data-action="unpause"]').click()
    expect(detail.locator('[data-field="schedule-state"]')).to_have_text("Active")
    console.check_clean()
    console.close()


def test_dead_letter_retried_from_the_console(browser, dev, api, llm):
    # A budget for the stand-in's model, set as an operator would, for the cost view to hold the calls against.
    subprocess.run([REPRISE, "llm", "budget", "--database-url", DATABASE_URL, "--model", "local-model", "--max-usd", "5",
                    "--max-tokens", "1000000"], check=True, capture_output=True, timeout=120)
    lead = json.load(open(os.path.join(EXAMPLES, "lead-nurture.json")))
    api("POST", "/api/v1/namespaces/default/workflows", {"workflowId": "lead-demo", "type": "LeadNurture", "input": lead})
    console = Console(browser, dev)
    page = console.page
    # Opened before the letter exists: the list refreshes live until the lead's LLM call has used
    # its attempts (a retry schedule's worth of waiting).
    console.open("#/dead-letters")
    expect(page.locator("#dead-letters-list")).to_contain_text("No pending dead letters.")
    letter = page.locator('#dead-letters-list tr[data-dead-letter-id]', has_text="llm.complete")
    expect(letter).to_have_count(1, timeout=PATIENCE_MS * 2)
    expect(letter).to_contain_text("lead-demo")
    expect(letter).to_contain_text("Pending")
    letter.locator("a").first.click()
    detail = page.locator("#dead-letter")
    expect(detail.locator('[data-field="failure"]')).to_be_visible()
    expect(detail.locator('textarea[name="input"]')).to_have_value(re.compile("icp_score"))
    shoot(page, "dead-letters")

    # The provider is back; retry from the console, with the input as shown in the editor.
    llm.up.set()
    detail.locator('button[data-action="retry"]').click()
    expect(detail.locator('[data-field="state"]')).to_have_text("Retried")
    assert ("confirm", "Retry llm.complete with fresh attempts?") in console.dialogs, console.dialogs

    # The run moves on: the timeline grows live until the first e-mail is sent.
    console.open("#/run/lead-demo")
    history = page.locator("#history")
    expect(history.locator('[data-event-type="ActivityTaskScheduled"]', has_text="email.send")).to_have_count(1)
    expect(page.locator("#run-summary [data-status]")).to_have_text("Running")
    expect(page.locator("#run-actions button[data-action='terminate']")).to_be_visible()
    shoot(page, "run-live")

    # The calls that went through are in the cost view.
    console.open("#/cost")
    model = page.locator('section[data-group="model"]')
    expect(model.locator("svg rect")).to_have_count(1)
    expect(model).to_contain_text("local-model")
    expect(page.locator('section[data-group="run"] svg rect')).to_have_count(1)
    budget = page.locator('#budgets tr[data-budget="local-model/day"]')
    expect(budget.locator('[data-field="usd"]')).to_contain_text("of $5.00")
    # The calls' tokens, counted against the limit: some, not none.
    expect(budget.locator('[data-field="tokens"]')).to_contain_text(re.compile(r"(^|\s)[1-9][0-9]* tokens of 1000000 tokens"))
    expect(page.locator('#budgets tr[data-budget="local-model/month"]')).to_have_count(0)
    shoot(page, "cost")
    console.check_clean()
    console.close()


def test_token_prompt_and_a_readers_actions(browser, server, admin_api):
    reader = admin_api("POST", "/api/v1/namespaces/default/tokens", {"role": "reader"})["token"]
    console = Console(browser, server)
    page = console.page
    console.open()
    form = page.locator("#token-form")
    expect(form).to_be_visible()
    shoot(page, "token")
    page.fill("#token", "rp_" + "0" * 64)
    page.click('#token-form button[type="submit"]')
    expect(page.locator("#token-error")).to_have_text("That token is not valid.")

    page.fill("#token", reader)
    page.click('#token-form button[type="submit"]')
    expect(form).to_be_hidden()
    expect(page.locator("#session")).to_have_text("role: reader")
    assert page.evaluate("sessionStorage.getItem('reprise.token')") == reader
    # An open run: a reader gets no signal, cancel, terminate or resume.
    console.open("#/run/" + "markup-probe")
    expect(page.locator("#history [data-event-type='WorkflowExecutionStarted']")).to_have_count(1)
    assert page.locator("#run-actions").count() == 0
    assert page.locator("button[data-action]").count() == 0
    shoot(page, "reader-run")
    # Nor any answer to a dead letter.
    console.open("#/dead-letters?state=All")
    letter = page.locator("#dead-letters-list tr[data-dead-letter-id]").first
    expect(letter).to_be_visible()
    letter.locator("a").first.click()
    expect(page.locator('#dead-letter [data-field="failure"]')).to_be_visible()
    assert page.locator("#dead-letter button[data-action]").count() == 0
    # Nor a pause or trigger for a schedule.
    console.open("#/schedules?id=nightly-probe")
    expect(page.locator('#schedule [data-field="schedule-state"]')).to_have_text("Active")
    assert page.locator("#schedule button[data-action]").count() == 0
    # A reload keeps the session for the tab; signing out forgets the token.
    page.reload()
    expect(page.locator("#session")).to_have_text("role: reader")
    page.click("#sign-out")
    expect(form).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('reprise.token')") is None
    console.check_clean()
    console.close()

    # The same run with an operator's token offers the actions, so the check above can fail.
    operator = admin_api("POST", "/api/v1/namespaces/default/tokens", {"role": "operator"})["token"]
    console = Console(browser, server)
    page = console.page
    console.open()
    page.fill("#token", operator)
    page.click('#token-form button[type="submit"]')
    expect(page.locator("#session")).to_have_text("role: operator")
    console.open("#/run/" + "markup-probe")
    for action in ["signal", "cancel", "terminate"]:
        expect(page.locator(f"#run-actions button[data-action='{action}']")).to_be_visible()
    console.open("#/schedules?id=nightly-probe")
    expect(page.locator("#schedule button[data-action='pause']")).to_be_visible()
    console.check_clean()
    console.close()


def main():
    expect.set_options(timeout=PATIENCE_MS)
    os.makedirs(ARTEFACTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="reprise-ui-")
    llm = StandInLLM()
    processes = []
    passed, failed = 0, 0
    try:
        dev_port, server_port = free_port(), free_port()
        dev, log = start_process(
            ["dev", "--database-url", DATABASE_URL, "--port", str(dev_port)], "dev.log",
            {"OPENAI_BASE_URL": llm.base_url, "REPRISE_GATEWAY_CONFIG": os.path.join(EXAMPLES, "gateway-local-openai.json")}, work)
        processes.append(dev)
        dev_base = f"http://127.0.0.1:{dev_port}"
        api = API(dev_base)
        api.wait_ready(dev, log)
        admin_token = secrets.token_hex(32)
        server, server_log = start_process(
            ["server", "--bind", f"127.0.0.1:{server_port}", "--database-url", DATABASE_URL], "server.log",
            {"REPRISE_ADMIN_TOKEN": admin_token}, work)
        processes.append(server)
        server_base = f"http://127.0.0.1:{server_port}"
        admin_api = API(server_base, admin_token)
        admin_api.wait_ready(server, server_log)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            tests = [
                (test_trip_saga_failure_and_compensations, (browser, dev_base, api)),
                (test_markup_in_payloads_is_text, (browser, dev_base, api)),
                (test_runs_page_through_a_filtered_list, (browser, dev_base, api)),
                (test_runs_filters_build_a_quoted_query, (browser, dev_base, api)),
                (test_children_chain_and_timers_on_a_run, (browser, dev_base, api)),
                (test_schedules_view, (browser, dev_base, api)),
                (test_dead_letter_retried_from_the_console, (browser, dev_base, api, llm)),
                (test_token_prompt_and_a_readers_actions, (browser, server_base, admin_api)),
            ]
            # UI_TEST_ONLY=markup,token runs the tests whose names hold one of those words.
            only = [word for word in os.environ.get("UI_TEST_ONLY", "").split(",") if word]
            for test, args in tests:
                if only and not any(word in test.__name__ for word in only):
                    continue
                started = time.monotonic()
                try:
                    test(*args)
                    passed += 1
                    print(f"ok   {test.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
                except Exception:
                    failed += 1
                    print(f"FAIL {test.__name__}", flush=True)
                    traceback.print_exc()
            browser.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        llm.server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    print(f"ui: {passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
