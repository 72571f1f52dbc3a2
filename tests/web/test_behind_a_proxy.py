"""`melior serve` in HTTPS mode behind a real reverse proxy: Debian's nginx, with a self-signed
certificate, started by the test on loopback ports. Skips when nginx or openssl is missing.

The server runs on its own embedded database in a temporary folder: this is about the HTTP layer
(waitress, the proxy headers, Django's HTTPS settings), the same on either database."""

import http.client
import os
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
OPENSSL = shutil.which("openssl")
PASSWORD = "a-long-pass-phrase-42"

pytestmark = pytest.mark.skipif(
    NGINX is None or OPENSSL is None, reason="nginx or openssl missing (apt-get install nginx)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited early:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listening on {port}:\n{log.read_text()}")


def melior(env: dict, *args: str, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "melior.cli", *args],
        env=env, capture_output=True, text=True, timeout=300, check=True, **kwargs,
    )  # fmt: skip


NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
{user}
events {{ worker_connections 64; }}
http {{
  access_log {folder}/nginx-access.log;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  client_max_body_size 20m;
  server {{
    listen 127.0.0.1:{https_port} ssl;
    ssl_certificate {folder}/cert.pem;
    ssl_certificate_key {folder}/key.pem;
    location / {{
      proxy_pass http://127.0.0.1:{app_port};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """melior serve (MELIOR_HTTPS=1, trusting the proxy at 127.0.0.1) behind nginx."""
    folder = tmp_path_factory.mktemp("proxy")
    app_port, https_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MELIOR_", "DJANGO_"))
    }
    env.update(
        MELIOR_VAR_DIR=str(folder / "var"),
        MELIOR_HTTPS="1",
        MELIOR_TRUSTED_PROXY="127.0.0.1",
        MELIOR_MAX_REQUEST_MB="1",
        MELIOR_ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    melior(env, "migrate")
    melior(env, "createuser", "proxied-lead", "--password", PASSWORD)
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", folder / "key.pem", "-out", folder / "cert.pem",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    (folder / "nginx.conf").write_text(
        NGINX_CONF.format(
            folder=folder,
            app_port=app_port,
            https_port=https_port,
            user="user root;" if os.geteuid() == 0 else "",
        )
    )
    server_log = folder / "serve.log"
    with server_log.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "melior.cli", "serve", "--port", str(app_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    nginx_log = folder / "nginx-error.log"
    nginx = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(app_port, server, server_log)
        wait_for_port(https_port, nginx, nginx_log)
        context = ssl.create_default_context(cafile=str(folder / "cert.pem"))
        yield {
            "https_port": https_port,
            "app_port": app_port,
            "context": context,
            "database": folder / "var" / "melior.sqlite3",
        }
    finally:
        for process in (nginx, server):
            process.terminate()
            process.wait(timeout=20)


class Browser:
    """Just enough of a browser: cookies, a chosen source address, redirects counted."""

    def __init__(self, proxied, source="127.0.0.1"):
        self.proxied = proxied
        self.source = source
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None, port=None, secure=True):
        if secure:
            connection = http.client.HTTPSConnection(
                "127.0.0.1",
                port or self.proxied["https_port"],
                context=self.proxied["context"],
                source_address=(self.source, 0),
                timeout=30,
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", port, source_address=(self.source, 0), timeout=30
            )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode(errors="replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response

    def get(self, path, follow=10):
        seen = []
        response = self.request("GET", path)
        while response.status in (301, 302) and follow:
            location = urllib.parse.urlsplit(response.getheader("Location"))
            target = location.path + (f"?{location.query}" if location.query else "")
            assert (location.scheme, target) not in seen, f"redirect loop: {seen}"
            seen.append((location.scheme, target))
            assert location.scheme in ("", "https"), f"sent to {location.scheme}: {seen}"
            response = self.request("GET", target)
            follow -= 1
        return response

    def sign_in(self, username, password, extra_headers=None):
        page = self.get("/accounts/login/")
        token = self.cookies["csrftoken"]
        origin = f"https://127.0.0.1:{self.proxied['https_port']}"
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        return page, self.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{origin}/accounts/login/",
                "Origin": origin,
                **(extra_headers or {}),
            },
        )


def test_pages_load_over_https_through_the_proxy_without_a_redirect_loop(proxied):
    browser = Browser(proxied)
    login = browser.get("/")
    assert login.status == 200, login.text[:500]
    assert "Log in to Melior" in login.text
    assert login.getheader("Strict-Transport-Security", "").startswith("max-age=")
    assert "secure" in str(login.getheader("Set-Cookie")).lower()
    _, signed_in = browser.sign_in("proxied-lead", PASSWORD)
    assert signed_in.status == 302, signed_in.text[:500]
    home = browser.get(signed_in.getheader("Location"))
    assert home.status == 200 and "Log out" in home.text


def test_forwarding_headers_are_believed_only_from_the_proxy(proxied):
    # straight to the server from another address: its X-Forwarded-Proto is dropped, so
    # HTTPS mode sends it to https rather than serving the page as if it were secure
    direct = Browser(proxied, source="127.0.0.3").request(
        "GET",
        "/accounts/login/",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6"},
        port=proxied["app_port"],
        secure=False,
    )
    assert direct.status == 301
    assert direct.getheader("Location").startswith("https://")


def test_the_recorded_client_address_comes_from_the_proxy_not_the_client(proxied):
    # a failed sign-in is recorded with the client's address; the client claims another one
    browser = Browser(proxied, source="127.0.0.2")
    _, refused = browser.sign_in(
        "proxied-lead", "wrong password", extra_headers={"X-Forwarded-For": "6.6.6.6"}
    )
    assert refused.status == 200 and "correct username and password" in refused.text
    with sqlite3.connect(proxied["database"]) as database:
        rows = database.execute("SELECT ip_address FROM axes_accessattempt").fetchall()
    addresses = {address for (address,) in rows}
    assert addresses == {"127.0.0.2"}


def test_the_server_refuses_a_body_over_its_limit(proxied):
    # straight to the server: it answers as soon as it reads the declared length, before
    # reading the body (through nginx, which buffers the body first, the same 413 can race
    # with the closed connection and come back as a 502)
    connection = http.client.HTTPConnection("127.0.0.1", proxied["app_port"], timeout=30)
    connection.putrequest("POST", "/accounts/login/")
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Content-Length", str(2 * 1024 * 1024))
    connection.endheaders()
    started = time.monotonic()
    response = connection.getresponse()
    assert response.status == 413
    assert time.monotonic() - started < 5
    connection.close()
