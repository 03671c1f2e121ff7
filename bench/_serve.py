"""Shared helpers for the benchmarks: a throw-away demo database, gunicorn servers, a small load client."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_database() -> dict[str, str]:
    """Create a demo database in a temporary folder; return the environment that points at it."""
    folder = tempfile.mkdtemp(prefix="academy-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "FLASK_APP": "wsgi",
        "SECRET_KEY": "bench",
        "ACADEMY_ENV": "development",
        "RATELIMIT_ENABLED": "false",  # the benchmarks sign in many users from one address
    }
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([BIN / "flask", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int = 2):
    """Serve `app` (module:variable) with gunicorn on a free port; yield the port."""
    port = free_port()
    process = subprocess.Popen(
        [BIN / "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def server_cpu_seconds(port: int) -> float:
    """Return the CPU time (user + system) used so far by the gunicorn serving `port`: master and workers.

    Linux only (/proc). With the requests counted over the same interval, this gives the server's CPU cost
    of a request, which the load client sharing the machine's cores cannot blur.
    """

    def pgrep(*arguments: str) -> list[str]:
        return subprocess.run(["pgrep", *arguments], capture_output=True, text=True).stdout.split()

    found = pgrep("-f", f"127.0.0.1:{port}")
    pids = [*found]
    for master in found:
        pids += pgrep("-P", master)
    total = 0
    for pid in set(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a process that has just exited
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def sign_in(port: int, email: str, password: str = "demo-academy") -> str:
    """Sign in through the real form; return the session cookie header."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/accounts/login")
    response = connection.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode()).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": password})
    connection.request(
        "POST",
        "/accounts/login",
        body,
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"sign-in failed: {response.status}"
    return response.getheader("Set-Cookie").split(";")[0]


def throughput(
    port: int,
    path: str,
    seconds: float,
    clients: int = 4,
    headers: dict | None = None,
    method: str = "GET",
    body_for=None,
) -> float:
    """Return completed requests per second from `clients` keep-alive connections over `seconds`."""
    deadline = time.perf_counter() + seconds
    counts = [0] * clients
    failures = []

    def run(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            body = body_for(index, counts[index]) if body_for else None
            connection.request(method, path if not callable(path) else path(index), body, headers or {})
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                failures.append(response.status)
            counts[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, e.g. HTTP {failures[0]}")
    return sum(counts) / (time.perf_counter() - start)
