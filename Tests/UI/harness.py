"""What the console's browser test stands on: the servers it starts, an LLM provider stand-in,
the API for setting up runs, and a browser page that fails on any script error or CSP violation.
Test code only (Tests/UI/console_test.py)."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPRISE = os.environ.get("REPRISE_BIN", os.path.join(ROOT, ".build/debug/reprise"))
DATABASE_URL = os.environ["DATABASE_URL"]
ARTEFACTS = os.environ.get("UI_ARTEFACTS", os.path.join(ROOT, ".build/ui-artefacts"))
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
EXAMPLES = os.path.join(ROOT, "workflows/examples")
# DOM waits: long enough for a loaded 2-core machine; a dead letter takes its retries first.
PATIENCE_MS = 120_000


class StandInLLM:
    """An OpenAI chat-completions server on loopback. Down (503) until `up` is set, so that the
    lead's first call is dead-lettered; then it answers as an enthusiastic lead would."""

    def __init__(self):
        self.up = threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                text = self.rfile.read(length).decode("utf-8", "replace")
                if not stand_in.up.is_set():
                    return self.reply(503, {"error": {"type": "server_error", "message": "stand-in is down"}})
                self.reply(200, {
                    "id": "chatcmpl-ui", "object": "chat.completion", "created": 1_700_000_000, "model": "local-model",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": StandInLLM.answer(text)},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140,
                              "prompt_tokens_details": {"cached_tokens": 0}},
                })

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def answer(prompt):
        if "ideal customer profile" in prompt:
            return "85"
        if "You research a sales lead" in prompt:
            return "- Runs payment retries by hand\n- Wants durable workflows"
        if "Classify the lead's last reply" in prompt:
            return "interested"
        return "Subject: Durable workflows for Acme\n\nHi Ada,\nshall we talk?\n\nThe Reprise team"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class API:
    """The HTTP API, for setting up what the browser then looks at."""

    def __init__(self, base, token=None):
        self.base, self.token = base, token

    def __call__(self, method, path, body=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def wait_ready(self, process, log):
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the server exited ({process.returncode}); its log: {log}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=5):
                    return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"no API at {self.base} after 180 s; its log: {log}")


def start_process(args, log_name, env_extra, cwd):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "STRIPE_API_KEY",
                        "REPRISE_EMAIL_API_KEY", "REPRISE_GATEWAY_CONFIG", "DATABASE_URL", "REPRISE_ADMIN_TOKEN")}
    env["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9"  # refuses at once: no provider but the stand-in
    env.update(env_extra)
    log = os.path.join(ARTEFACTS, log_name)
    process = subprocess.Popen([REPRISE, *args], cwd=cwd, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    return process, log


def shoot(page, name):
    page.screenshot(path=os.path.join(ARTEFACTS, f"{name}.png"), full_page=True)


class Console:
    """One browser page on the console, failing on any script error or CSP violation it reports."""

    def __init__(self, browser, base):
        self.context = browser.new_context(viewport={"width": 1280, "height": 860})
        self.page = self.context.new_page()
        self.page.set_default_timeout(PATIENCE_MS)
        self.base = base
        self.problems = []
        self.dialogs = []
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", lambda message: message.type == "error" and "Content Security Policy" in message.text
                     and self.problems.append(f"CSP: {message.text}"))
        self.page.on("dialog", self.on_dialog)
        self.prompt_answer = ""

    def on_dialog(self, dialog):
        self.dialogs.append((dialog.type, dialog.message))
        if dialog.type == "alert":
            dialog.dismiss()
        elif dialog.type == "prompt":
            dialog.accept(self.prompt_answer)
        else:
            dialog.accept()

    def open(self, hash_route=""):
        """Loads the page anew: a `goto` that changes only the hash would not reload it."""
        url = f"{self.base}/ui/{hash_route}"
        if self.page.url == url:
            self.page.reload()
        else:
            self.page.goto(url)
            if "#" in url:
                self.page.reload()

    def check_clean(self):
        assert not self.problems, self.problems
        assert not [d for d in self.dialogs if d[0] == "alert"], f"an alert was shown: {self.dialogs}"

    def close(self):
        self.context.close()
