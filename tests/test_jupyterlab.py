"""JupyterLab smoke test: the course opens in a real `jupyter lab` server, as students start it.

The server runs headless on a free loopback port with a random token and its own config and
runtime folders, so nothing of the machine's Jupyter set-up is used or changed.
"""

import json
import os
import pathlib
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from tools import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp_path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.log = tmp_path / "jupyterlab.log"
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
            JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        )
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={ROOT}",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # CI containers run as root
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)

    def request(self, path, method="GET", token=True):
        headers = {"Authorization": f"token {self.token}"} if token else {}
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method=method, headers=headers
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return response.status, body

    def api(self, path):
        status, body = self.request(path)
        assert status == 200
        return json.loads(body)

    def wait_until_up(self, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"jupyter lab exited early:\n{self.log.read_text()[-3000:]}")
            try:
                return self.api("/api/status")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        pytest.fail(f"jupyter lab did not answer in {seconds} s:\n{self.log.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path):
    server = Server(tmp_path)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def test_jupyterlab_serves_the_course_and_shuts_down_cleanly(server):
    server.wait_until_up()

    # the course's folders are listed by the contents API
    listing = server.api("/api/contents")
    names = {item["name"]: item["type"] for item in listing["content"]}
    for folder in ("lectures", "labs", "homework"):
        assert names.get(folder) == "directory", sorted(names)

    # a notebook opens through the contents API, as JupyterLab opens it
    relpath = "labs/11-1_text_tokenizer.ipynb"
    model = server.api(f"/api/contents/{relpath}?content=1&type=notebook")
    assert model["type"] == "notebook" and model["format"] == "json"
    assert model["content"]["nbformat"] == 4 and model["content"]["cells"]
    assert model["content"]["cells"][0]["source"].startswith("# Lab 11-1")

    # the JupyterLab page itself, and the token is required
    status, page = server.request("/lab")
    assert status == 200 and b"JupyterLab" in page
    with pytest.raises(urllib.error.HTTPError) as refused:
        server.request("/api/contents", token=False)
    assert refused.value.code == 403

    # a clean shutdown through the API
    server.request("/api/shutdown", method="POST")
    assert server.process.wait(timeout=60) == 0


def test_rise_presents_a_lecture_live_offline_without_console_errors(server):
    """RISE (jupyterlab-rise) in headless Chromium, with nothing but the local server reachable:
    the slideshow renders its slides, maths and diagrams, fetches no fonts from the internet, and
    logs no errors (jupyterlab-rise 0.43.1 logged dozens of RangeErrors, and RISE's default theme
    fetched Google Fonts). Three messages are known and harmless, and allowed by name only:
    JupyterLab's Markdown renderer asks for `attachment:NAME.png` once before it resolves the
    attachment (the picture then loads, checked below); RISE always asks for an optional
    `<notebook>.css`; and the Open-in-Colab badge is an image from the internet."""
    from tools import browser

    if browser.chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the RISE test: install Chromium (apt-get install chromium)")
        pytest.skip("no Chromium here (apt-get install chromium, or set CHROMIUM to its path)")
    from playwright.sync_api import sync_playwright

    server.wait_until_up()
    local = f"http://127.0.0.1:{server.port}"
    remote, errors = [], []

    def only_local(route):
        if route.request.url.startswith((local, "data:", "blob:")):
            return route.continue_()
        remote.append(route.request.url)
        return route.abort()

    relpath = "lectures/11-0c_lstm_gru_gates.ipynb"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser.chromium(), args=browser.CHROMIUM_ARGS)
        try:
            context = chromium.new_context(viewport={"width": 1280, "height": 720})
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{local}/rise/{relpath}?token={server.token}")
            page.wait_for_function(
                "document.querySelectorAll('.reveal .slides section').length > 10"
                " && document.querySelector('.reveal.ready')",
                timeout=90_000,
            )
            for _ in range(2):  # past the title and the goals: the LSTM slide, maths and diagrams
                page.keyboard.press("ArrowRight")
                page.wait_for_timeout(700)
            page.wait_for_function(
                "[...document.querySelectorAll('.reveal section.present img')]"
                ".some(i => i.complete && i.naturalWidth > 0)"
                " && document.querySelectorAll('.reveal section.present mjx-container').length > 3",
                timeout=60_000,
            )
            page.wait_for_timeout(2000)  # late console errors
            shots = pathlib.Path(
                os.environ.get("COURSE_ARTIFACTS", ROOT / "build" / "test-artifacts")
            )
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "rise-11-0c.png"))
        finally:
            chromium.close()
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    assert set(remote) <= {badge}, "RISE asked the internet for these"
    harmless = (
        "Failed to load resource: net::ERR_UNKNOWN_URL_SCHEME",  # attachment: before resolving
        "Refused to apply style from '" + f"{local}/files/{relpath[:-6]}.css'",
        "Failed to load resource: net::ERR_FAILED",  # the badge, refused above
    )
    unexpected = [e for e in errors if not e.startswith(harmless)]
    assert unexpected == []
    # each harmless message as often as its cause: once per picture attached, once for the
    # stylesheet, once for the badge
    pictures = nbformat.read(ROOT / relpath, as_version=4).cells
    pictures = sum(len(c.get("attachments", {})) for c in pictures)
    assert sum(e.startswith(harmless[0]) for e in errors) <= pictures
    assert sum(e.startswith(harmless[1:]) for e in errors) <= 2, errors
