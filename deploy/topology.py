"""The production topology on one machine: nginx terminating TLS → several `melior serve`
processes → PostgreSQL and Redis (shared cache and sessions) → the worker.

    python deploy/topology.py [--app-servers 2] [--processes 1] [--database-url URL]
                              [--redis-url URL] [--sites 12] [--check] [--hold SECONDS]

Everything listens on 127.0.0.1 only. The script makes a self-signed certificate, creates (or
empties) the database — PostgreSQL by default, `melior_topology` on 127.0.0.1:5432 — loads the
demo network, starts `--app-servers` app servers (each `melior serve --workers --processes`, with
its own var/ folder, so nothing is shared but the database and Redis), the worker, and nginx
balancing over them. Besides the balanced port, nginx gives each app server a port of its own,
so a check can pin a request to one server.

--check proves the app servers are stateless: a user signed in through one is signed in on the
other, and a school's chart viewed on one, changed through the other, is fresh on the first.
--hold keeps it running that many seconds (0: until Ctrl+C). It stops what it started.
Other scripts (bench/load_bench.py, the load smoke test) use `Topology` as a context manager.
"""

import argparse
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests
import urllib3

REPOSITORY = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
OPENSSL = shutil.which("openssl")
NETWORK = "ninth-grade-success"
DEMO_PASSWORD = "melior-demo"

NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
{user}
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  client_max_body_size 101m;
  ssl_certificate {folder}/cert.pem;
  ssl_certificate_key {folder}/key.pem;
  upstream melior {{
{servers}
    keepalive 16;
  }}
{pinned_upstreams}
  server {{
    listen 127.0.0.1:{https_port} ssl;
    location / {{ proxy_pass http://melior; {proxy} }}
  }}
{pinned_servers}
}}
"""
PROXY = (
    "proxy_http_version 1.1; proxy_set_header Connection ''; proxy_set_header Host $http_host; "
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; "
    "proxy_set_header X-Forwarded-Proto $scheme;"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited early:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}:\n{log.read_text()[-3000:]}")


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database the URL names (trust auth, as on this machine)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


class Topology:
    """Start it with `with Topology(...) as topology:`; `topology.url` is nginx's HTTPS address,
    `topology.pinned[i]` the address that reaches app server i alone."""

    def __init__(
        self,
        *,
        app_servers: int = 2,
        processes: int = 1,
        threads: int = 8,
        database_url: str = "postgresql://postgres@127.0.0.1:5432/melior_topology",
        redis_url: str = "redis://127.0.0.1:6379/7",
        sites: int = 12,
        folder: Path | None = None,
        assets_from: Path | None = None,
        quiet: bool = False,
    ):
        self.app_servers, self.processes, self.threads = app_servers, processes, threads
        self.own_folder = folder is None  # removed at the end; a folder given is kept
        self.folder = Path(folder or tempfile.mkdtemp(prefix="melior-topology-"))
        # SQLite: the file in the shared var/ (below) that every app server opens
        database_url = database_url or f"sqlite:///{self.folder / 'setup' / 'melior.sqlite3'}"
        self.database_url, self.redis_url, self.sites = database_url, redis_url, sites
        self.quiet = quiet
        self.assets_from = assets_from
        self.children: list[subprocess.Popen] = []
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MELIOR_", "DJANGO_"))
        }
        self.env.update(
            PYTHONPATH=str(REPOSITORY),
            MELIOR_DATABASE_URL=database_url,
            MELIOR_HTTPS="1",
            MELIOR_TRUSTED_PROXY="127.0.0.1",
            MELIOR_ALLOWED_HOSTS="127.0.0.1",
            MELIOR_LOG_LEVEL="WARNING",
            # one installation: the same keys on every app server and the worker
            MELIOR_SECRET_KEY=secrets.token_urlsafe(50),
            MELIOR_PSEUDONYM_KEY=secrets.token_urlsafe(50),
            MELIOR_ARCHIVE_KEY=secrets.token_urlsafe(50),
        )
        if redis_url:
            self.env["MELIOR_REDIS_URL"] = redis_url

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def melior(self, *args: str, var: str = "setup") -> str:
        env = {**self.env, "MELIOR_VAR_DIR": str(self.folder / var)}
        result = subprocess.run(
            [sys.executable, "-m", "melior.cli", *args],
            env=env, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"melior {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self, name: str, command: list[str], var: str | None = None) -> subprocess.Popen:
        env = {**self.env, "MELIOR_VAR_DIR": str(self.folder / (var or name))}
        log = (self.folder / f"{name}.log").open("w")
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children.append(process)
        return process

    def __enter__(self):
        try:
            self._start_everything()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _start_everything(self) -> None:
        if NGINX is None or OPENSSL is None:
            raise RuntimeError("nginx and openssl are needed (apt-get install nginx openssl)")
        if self.database_url.startswith("postgres"):
            self.say(f"database: {self.database_url} (emptied)")
            recreate_postgres_database(self.database_url)
        self.say("migrating and loading the demo network")
        if self.assets_from:  # the chart bundle already built elsewhere: not built again
            shutil.copytree(self.assets_from, self.folder / "setup" / "assets")
        self.melior("migrate")
        self.melior("loaddemo", "--sites", str(self.sites))
        if self.redis_url:
            import redis

            redis.Redis.from_url(self.redis_url).flushdb()  # no cache entry from an earlier run
        subprocess.run(
            [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-keyout", self.folder / "key.pem", "-out", self.folder / "cert.pem",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        self.certificate = str(self.folder / "cert.pem")

        self.app_ports = [free_port() for _ in range(self.app_servers)]
        servers = []
        for index, port in enumerate(self.app_ports):
            name = f"app{index + 1}"
            # With Redis each app server has a var/ of its own (nothing shared but PostgreSQL
            # and Redis), given the chart bundle migrate built. Without, they share one var/
            # (the SQLite database and task queue), as `make demo`'s processes do.
            var = name if self.redis_url else "setup"
            if self.redis_url:
                shutil.copytree(self.folder / "setup" / "assets", self.folder / name / "assets")
            command = [sys.executable, "-m", "melior.cli", "serve", "--host", "127.0.0.1",
                       "--port", str(port), "--workers", str(self.processes),
                       "--threads", str(self.threads)]  # fmt: skip
            servers.append((self.start(name, command, var=var), port, name))
            if not self.redis_url:  # one at a time: each collects the shared static files
                wait_for_port(port, servers[-1][0], self.folder / f"{name}.log")
        worker = self.start("worker", [sys.executable, "-m", "melior.cli", "worker"], var="setup")

        self.https_port = free_port()
        self.pinned_ports = [free_port() for _ in self.app_ports]
        user = "user root;" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(
            NGINX_CONF.format(
                folder=self.folder,
                user=user,
                https_port=self.https_port,
                proxy=PROXY,
                servers="\n".join(f"    server 127.0.0.1:{p};" for p in self.app_ports),
                pinned_upstreams="\n".join(
                    f"  upstream app{i} {{ server 127.0.0.1:{p}; keepalive 8; }}"
                    for i, p in enumerate(self.app_ports)
                ),
                pinned_servers="\n".join(
                    f"  server {{ listen 127.0.0.1:{pinned} ssl; "
                    f"location / {{ proxy_pass http://app{i}; {PROXY} }} }}"
                    for i, pinned in enumerate(self.pinned_ports)
                ),
            )
        )
        nginx = self.start(
            "nginx",
            [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
             "-g", "daemon off;"],
        )  # fmt: skip
        for process, port, name in servers:
            wait_for_port(port, process, self.folder / f"{name}.log")
        wait_for_port(self.https_port, nginx, self.folder / "nginx.log")
        time.sleep(1)
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{(self.folder / 'worker.log').read_text()}")
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.pinned = [f"https://127.0.0.1:{port}" for port in self.pinned_ports]
        self.say(
            f"nginx {self.url} → {self.app_servers} app server(s) × {self.processes} "
            f"process(es) on ports {self.app_ports}; worker"
        )

    def stop(self) -> None:
        for process in reversed(self.children):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.children):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.children.clear()
        if self.own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def api_token(self, username: str) -> str:
        output = self.melior("token", "create", username, f"bench {secrets.token_hex(4)}")
        return output.strip().splitlines()[-1].strip()

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each app server (all its processes), in MB."""
        sizes = {}
        for index, process in enumerate(self.children[: self.app_servers]):
            pids = [process.pid, *_children_of(process.pid)]
            total = 0
            for pid in pids:
                status = Path(f"/proc/{pid}/status")
                if status.exists():
                    match = re.search(r"VmRSS:\s+(\d+)", status.read_text())
                    total += int(match[1]) if match else 0
            sizes[f"app{index + 1}"] = total / 1024
        return sizes


def _children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            for child in children.read_text().split():
                found += [int(child), *_children_of(int(child))]
    return found


class Visitor:
    """A browser's session against one address: cookies, the CSRF token, a signed-in user."""

    def __init__(self, base: str, certificate: str):
        self.base = base
        self.http = requests.Session()
        self.http.verify = certificate
        self.http.trust_env = False  # the certificate given, not a CA bundle from the environment

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=60, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        headers = {
            "Referer": self.base + path,
            "Origin": self.base,
            "X-CSRFToken": self.http.cookies.get("csrftoken", ""),
            **kwargs.pop("headers", {}),
        }
        return self.http.post(self.base + path, data=data, headers=headers, timeout=60, **kwargs)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.get("/accounts/login/")
        response = self.post(
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.http.cookies["csrftoken"],
            },
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"sign-in as {username} refused: {response.status_code}")

    def on(self, base: str) -> "Visitor":
        """The same browser (its cookies) talking to another address."""
        other = Visitor(base, self.http.verify)
        other.http.cookies = self.http.cookies
        return other


def check_statelessness(topology: Topology) -> list[str]:
    """Sign in on app server 1, then work on app server 2; change a school's data on one and
    read it on the other. Returns what was proved; raises AssertionError on a failure."""
    proved = []
    first = Visitor(topology.pinned[0], topology.certificate)
    first.sign_in("teacher")
    second = first.on(topology.pinned[-1])
    home = second.get("/")
    assert home.status_code == 200 and "Log out" in home.text, "not signed in on the other server"
    proved.append("signed in through app server 1, signed in on app server 2")

    network_page = second.get(f"/n/{NETWORK}/")
    site, measure = re.search(rf"/n/{NETWORK}/s/([\w-]+)/m/([\w-]+)/", network_page.text).groups()
    page = f"/n/{NETWORK}/s/{site}/m/{measure}/"
    before = second.get(page)  # viewed (and cached) on server 2
    assert before.status_code == 200, before.status_code
    observation = re.search(r"correct=(\d+)", before.text)[1]
    form = first.get(f"{page}observation/?correct={observation}", headers={"HX-Request": "true"})
    period = re.search(r'name="period_start" value="([\d-]+)"', form.text)[1]
    marker = next(
        str(n)
        for n in iter(lambda: secrets.randbelow(900) + 100, None)
        if str(n) not in before.text
    )
    saved = first.post(
        f"{page}observation/",
        {"period_start": period, "numerator": marker, "denominator": "1000",
         "value": marker, "correcting": observation},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert saved.status_code == 200 and "Corrected" in saved.text, saved.text[:2000]
    after = second.get(page)
    assert after.status_code == 200 and marker in after.text, (
        "app server 2 showed a stale page after a write through app server 1"
    )
    proved.append(
        f"{page} viewed on app server 2, corrected through app server 1 ({marker}), "
        "fresh on app server 2"
    )
    if topology.redis_url:
        import redis

        keys = redis.Redis.from_url(topology.redis_url).keys("melior:*")
        sessions = [k for k in keys if b"sessions" in k]
        assert sessions and len(keys) > len(sessions), "Redis holds no sessions or cached views"
        proved.append(f"Redis holds the sessions ({len(sessions)}) and cached views")
    return proved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=1, help="processes per app server")
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/melior_topology"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7", help="emptied first")
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--check", action="store_true", help="prove the servers are stateless")
    parser.add_argument("--hold", type=float, default=None, help="seconds to keep running")
    args = parser.parse_args()
    urllib3.disable_warnings()
    with Topology(
        app_servers=args.app_servers,
        processes=args.processes,
        database_url=args.database_url,
        redis_url=args.redis_url,
        sites=args.sites,
    ) as topology:
        if args.check:
            for line in check_statelessness(topology):
                print(f"  ok: {line}")
        if args.hold is not None:
            print(f"running at {topology.url} (demo accounts, password {DEMO_PASSWORD!r})")
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(args.hold or 10**9)
    print("stopped")


if __name__ == "__main__":
    main()
