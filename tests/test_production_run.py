"""Production as the README describes it: static files collected, gunicorn with several web
processes behind a proxy that terminates TLS, configured from the environment alone. It starts,
answers the load balancer's /healthz/ over plain http, serves a static file through WhiteNoise to
a request the proxy marks https, redirects a plain-http page to https, and says at start which
webhooks are off for want of a secret."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    try:
        with build_opener(NoRedirect).open(Request(url, headers=headers), timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def server_env(tmp_path):
    keep = ("PATH", "HOME", "LANG", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({
        "SECRET_KEY": "a-production-key-" + "x7Q2" * 10,
        "ALLOWED_HOSTS": "127.0.0.1,rounds.example.org",
        "PUBLIC_URL": "https://rounds.example.org",
        "TRUST_PROXY_HEADERS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'rounds.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECRET_KEY_FILE": str(tmp_path / "no-key-file"),
        "LOG_LEVEL": "WARNING",
    })
    return env


def test_gunicorn_behind_a_proxy_serves_health_and_static_files(server_env, tmp_path):
    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                          cwd=ROOT, env=server_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "rounds.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--forwarded-allow-ips", "127.0.0.1"],
            cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                status, _headers, body = get(f"{base}/healthz/")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(log.read_text())
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer:\n" + log.read_text())
        assert (status, body) == (200, b"ok")

        status, headers, body = get(f"{base}/static/rounds/app.css",
                                    **{"X-Forwarded-Proto": "https"})
        assert status == 200 and b"dl.facts" in body
        assert "max-age" in headers["Cache-Control"]  # WhiteNoise, not a page

        status, headers, _ = get(f"{base}/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://")
        status, headers, body = get(f"{base}/accounts/login/", **{"X-Forwarded-Proto": "https"})
        assert status == 200 and b"Sign in" in body
        assert "Strict-Transport-Security" in headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "INBOUND_EMAIL_SECRET is not set" in log.read_text()
