"""JupyterLab smoke test: the course opens in a real `jupyter lab` server, as students start it.

The server runs headless on a free loopback port with a random token and its own config and
runtime folders, so nothing of the machine's Jupyter set-up is used or changed.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from utils import notebooks

ROOT = notebooks.ROOT


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
