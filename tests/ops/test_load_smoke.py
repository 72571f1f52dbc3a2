"""A short load through the production topology: nginx with TLS in front of two app servers
(deploy/topology.py), a few signed-in users for a few seconds (bench/load_bench.py), no errors.
On the embedded database, with Redis for the shared cache and sessions when it is reachable.
Skips when nginx or openssl is missing (apt-get install nginx)."""

import importlib.util
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
TEST_REDIS = "redis://127.0.0.1:6379/14"  # a database of its own: the topology empties it

pytestmark = [
    pytest.mark.skipif(
        not (shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin"))
        or not shutil.which("openssl"),
        reason="nginx or openssl missing (apt-get install nginx)",
    ),
    # its servers run on their own embedded database whatever the suite's: once is enough
    pytest.mark.skipif(
        os.environ.get("MELIOR_DATABASE_URL", "").startswith("postgres"),
        reason="runs in the SQLite pass (its servers use their own database)",
    ),
]


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_a_few_users_through_nginx_and_two_app_servers_see_no_errors(tmp_path, built_assets):
    topology = load("topology", REPOSITORY / "deploy" / "topology.py")
    bench = load("load_bench", REPOSITORY / "bench" / "load_bench.py")
    redis_url = TEST_REDIS if redis_reachable() else ""
    with topology.Topology(
        app_servers=2,
        database_url="",
        redis_url=redis_url,
        sites=1,
        folder=tmp_path,
        assets_from=built_assets.parent.parent,
        quiet=True,
    ) as running:
        proved = topology.check_statelessness(running)
        plan = bench.discover(running)
        tokens = [running.api_token("lead")]
        result = bench.run_step(running, plan, tokens, 4, 6, (0.2, 0.6), seed=1)
        logs = " ".join(p.read_text() for p in tmp_path.glob("app*.log"))
    assert len(proved) == (3 if redis_url else 2)
    assert result["requests"] >= 12
    assert result["errors"] == 0
    assert "database is locked" not in logs
