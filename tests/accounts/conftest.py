"""A real OpenID Connect provider (tests/accounts/oidc_provider) in a process of its own."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROVIDER = Path(__file__).parent / "oidc_provider" / "serve.py"
CLIENT_ID = "melior-test-client"
CLIENT_SECRET = "melior-test-secret-" + "x" * 20
DISTRICT = "cedar.k12.example.us"
USERS = {
    f"ana@{DISTRICT}": "ana-district-pw",
    f"sam@{DISTRICT}": "sam-district-pw",
    "bob@nowhere.example": "bob-district-pw",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rsa_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def oidc_provider(live_server, tmp_path, world):
    """The provider on a free port, its application registered for Melior's callback, and the
    single sign-on configured in Melior for the world's network and the district's domain."""
    from melior.accounts.services import add_single_sign_on

    port = free_port()
    issuer = f"http://localhost:{port}/o"
    app = add_single_sign_on(
        network=world.network,
        name="Cedar District",
        server_url=issuer,
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        domains=DISTRICT,
    )
    callback = f"{live_server.url}/accounts/oidc/{app.provider_id}/login/callback/"
    env = {
        **os.environ,
        "PROVIDER_DB": str(tmp_path / "provider.sqlite3"),
        "PROVIDER_RSA_KEY": rsa_key(),
        "PROVIDER_CLIENT_ID": CLIENT_ID,
        "PROVIDER_CLIENT_SECRET": CLIENT_SECRET,
        "PROVIDER_REDIRECT_URI": callback,
        "PROVIDER_USERS": ",".join(f"{e}:{p}" for e, p in USERS.items()),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(tmp_path / "provider.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, str(PROVIDER), str(port)], env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "provider.log").read_text()) from None
                time.sleep(0.5)
        yield {"app": app, "issuer": issuer, "melior": live_server.url}
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
