"""What every benchmark needs: a seeded PostgreSQL database, a gunicorn server, a load generator.

Nothing here imports Django: the server and the management commands run in subprocesses with the
environment from ``server_env()``, so this process only sends requests and counts.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import dj_database_url
import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://root@127.0.0.1:5432/welfare_bench"
# Passed to seed_demo and the server alike, so the log-in matches whatever the project's default is.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or "Jingying@2026!"


class BenchError(Exception):
    """A benchmark cannot run; the message says why and what to do."""


# --- Database ---------------------------------------------------------------------------------------


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL


def _fresh() -> bool:
    return os.environ.get("BENCH_FRESH", "").strip().lower() in {"1", "true", "yes", "on"}


def _ensure_database(url: str, *, fresh: bool) -> None:
    """Create the benchmark database when it is missing (first dropping it when ``fresh``)."""
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise BenchError(
            f"BENCH_DATABASE_URL={url!r} is not a PostgreSQL URL; the benchmarks need PostgreSQL."
        )
    name = config["NAME"]
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "connect_timeout": 5,
    }
    try:
        conn = psycopg2.connect(**{key: value for key, value in params.items() if value is not None})
    except psycopg2.OperationalError as exc:
        where = f"{config.get('HOST') or 'local socket'}:{config.get('PORT') or 5432}"
        raise BenchError(
            f"Cannot reach PostgreSQL at {where} ({str(exc).strip()}).\n"
            "Start PostgreSQL, or point BENCH_DATABASE_URL at one (postgres://user@host:port/dbname)."
        ) from None
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            if fresh:
                print(f"BENCH_FRESH: dropping database {name} ...", flush=True)
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                print(f"Creating database {name} ...", flush=True)
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def manage(*args: str) -> None:
    """Run a management command against the benchmark database.

    With development settings: the benchmark database is a demo database (seed_demo refuses production
    ones), and only the server needs production settings to be measured as deployed.
    """
    env = {**server_env(), "DJANGO_ENV": "development", "DEBUG": "1"}
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BenchError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}\n"
            "If the benchmark database predates a rewritten migration, run again with BENCH_FRESH=1 "
            "to drop and rebuild it."
        )


@functools.cache
def prepare_database() -> str:
    """Create, migrate and seed the benchmark database once per run; both steps are idempotent.

    The database is kept between runs. BENCH_FRESH=1 drops and rebuilds it first (a few seconds).
    """
    url = database_url()
    _ensure_database(url, fresh=_fresh())
    started = time.monotonic()
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo", "--scale", "small")
    print(
        f"Database {dj_database_url.parse(url)['NAME']}: migrated and seeded (small) "
        f"in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    return url


@functools.cache
def server_env() -> dict[str, str]:
    """Production settings with DEBUG off — what is deployed is what is measured — on plain HTTP."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        DEMO_PASSWORD=DEMO_PASSWORD,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_ENV="production",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters, new every run
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        BEHIND_TLS_PROXY="0",
        STATIC_NO_MANIFEST="1",  # no collectstatic needed; the benchmarks serve no static files
        # Required in production. Tasks the benchmark's requests might enqueue stay in the process: no
        # worker elsewhere picks up jobs about rows of the benchmark database.
        CELERY_BROKER_URL="memory://",
        SMS_BACKEND="notifications.sms.ConsoleBackend",  # required in production; nothing is sent here
        # Throttles only the token endpoints: every benchmark logs in, and 30/minute must not refuse them.
        API_TOKEN_THROTTLE="100000/minute",
    )
    return env


# --- Server -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's master process
    description: str
    log: IO[bytes]  # gunicorn's output, with Django's log records and tracebacks

    def log_tail(self, chars: int = 3000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]

    def worker_cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master's children, the workers; 0 without /proc.

        CPU time per request moves much less than throughput when other processes compete for the cores.
        """
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            if int(fields[1]) == self.pid:  # fields: state, ppid, ..., utime (12), stime (13)
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        conn.request("GET", "/login/")
        conn.getresponse().read()
        conn.close()
        return True
    except (OSError, http.client.HTTPException):
        return False


@contextlib.contextmanager
def gunicorn(*, workers: int, worker_class: str = "sync", threads: int = 1) -> Iterator[Server]:
    """Run gunicorn with the project's WSGI app on a free local port; stop it on the way out."""
    port = _free_port()
    command = [
        PYTHON, "-m", "gunicorn", "welfare.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--worker-class", worker_class,
        "--threads", str(threads),
        "--no-control-socket",  # gunicorn 27 opens ~/.gunicorn/gunicorn.ctl by default; shared, not ours
        "--log-level", "warning",
    ]  # fmt: skip
    description = f"gunicorn {worker_class}, {workers} workers × {threads} thread(s), {HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=server_env(), stdout=log, stderr=subprocess.STDOUT)
        try:
            server = Server(port, process.pid, description, log)
            deadline = time.monotonic() + 30
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(f"gunicorn did not start ({description}):\n{server.log_tail()}")
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- Requests ---------------------------------------------------------------------------------------


def request(server: Server, method: str, path: str, *, headers=None, body=None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def expect_ok(server: Server, method: str, path: str, status: int, body: bytes, hint: str = "") -> None:
    """Raise a BenchError unless the answer is a 200; a server error comes with gunicorn's log."""
    if status == 200:
        return
    message = f"{method} {path} answered {status}: {body[:300].decode(errors='replace')}"
    if status >= 500:
        message += f"\n--- gunicorn's log ---\n{server.log_tail()}"
    elif hint:
        message += f"\n{hint}"
    raise BenchError(message)


def login(server: Server, username: str = "demo_officer", password: str = DEMO_PASSWORD) -> str:
    """An access token from POST /api/v1/auth/token/."""
    status, body = request(
        server,
        "POST",
        "/api/v1/auth/token/",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"username": username, "password": password}),
    )
    hint = (
        f"Log-in as {username} failed. Is DEMO_PASSWORD the one the database was seeded with? Five failures "
        "lock the account for 30 minutes; BENCH_FRESH=1 rebuilds the benchmark database."
    )
    expect_ok(server, "POST", "/api/v1/auth/token/", status, body, hint)
    return json.loads(body)["access"]


@dataclass
class Round:
    """One burst of load against one endpoint."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # used by the server's workers
    latencies: list[float] = field(default_factory=list)  # seconds, one per successful request

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.requests if self.requests else 0.0


def load(server: Server, path: str, *, headers=None, seconds: float, connections: int) -> Round:
    """GET ``path`` from ``connections`` threads, each on its own HTTP/1.1 connection, for ``seconds``.

    http.client reopens a connection transparently when the server closes it (gunicorn's sync
    workers close after every response), so this works with any worker class.
    """
    result = Round()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
        latencies: list[float] = []
        errors = 0
        while (started := time.perf_counter()) < deadline:
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                continue
            if response.status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.errors += errors

    threads = [threading.Thread(target=client) for _ in range(connections)]
    cpu_before = server.worker_cpu_seconds()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = server.worker_cpu_seconds() - cpu_before
    result.requests = len(result.latencies)
    return result


# --- Figures ----------------------------------------------------------------------------------------


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_busy(seconds: float = 1.0) -> float | None:
    """The share of all CPUs busy over the next ``seconds`` (None without /proc): run it while idle."""
    try:
        busy_before, total_before = _cpu_times()
        time.sleep(seconds)
        busy_after, total_after = _cpu_times()
    except (OSError, IndexError, ValueError):
        return None
    return (busy_after - busy_before) / max(total_after - total_before, 1)


def machine_note(busy_before: float | None, busy_after: float | None) -> str:
    """The core count and how busy the CPUs were just before and just after the benchmark loaded them."""
    note = f"{os.cpu_count()} cores"
    if busy_before is None or busy_after is None:
        return note
    note += f", {busy_before:.0%} busy just before the run and {busy_after:.0%} just after"
    if max(busy_before, busy_after) > 0.2:
        note += (
            "\n  WARNING: something else is using the CPUs: throughput is noisy; trust the round-by-round "
            "ratio and the CPU per request more"
        )
    return note


@dataclass
class Summary:
    """The rounds of one endpoint: throughput is the median over rounds, latencies pool every request."""

    label: str
    rounds: list[Round]

    @property
    def rates(self) -> list[float]:
        return [r.rate for r in self.rounds]

    @property
    def median_rate(self) -> float:
        return statistics.median(self.rates)

    @property
    def cpu_ms(self) -> float:
        return statistics.median(r.cpu_ms for r in self.rounds)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    def latency_ms(self, quantile: float) -> float:
        latencies = sorted(latency for r in self.rounds for latency in r.latencies)
        if not latencies:
            raise BenchError(f"{self.label}: no request succeeded")
        return 1000 * latencies[min(int(len(latencies) * quantile), len(latencies) - 1)]


def report(summary: Summary) -> None:
    rounds = " ".join(f"{rate:.0f}" for rate in summary.rates)
    errors = f"  {summary.errors} ERRORS" if summary.errors else ""
    print(
        f"  {summary.label:<28} {summary.median_rate:6.0f} req/s  p50 {summary.latency_ms(0.5):5.1f} ms  "
        f"p95 {summary.latency_ms(0.95):5.1f} ms  worker CPU {summary.cpu_ms:.2f} ms/req  "
        f"(rounds: {rounds}){errors}"
    )


def compare(subject: Summary, baseline: Summary, baseline_name: str) -> None:
    """The headline: subject/baseline throughput, from the medians and round by round, and CPU per request."""
    pairs = sorted(s.rate / b.rate for s, b in zip(subject.rounds, baseline.rounds, strict=True) if b.rate)
    ratio = subject.median_rate / baseline.median_rate
    print(
        f"  {subject.label}: {subject.median_rate:.0f} req/s = {ratio:.2f}× {baseline_name} "
        f"({baseline.median_rate:.0f} req/s)"
    )
    print(
        f"    round by round {statistics.median(pairs):.2f}× (range {pairs[0]:.2f}–{pairs[-1]:.2f}); "
        f"worker CPU per request {subject.cpu_ms:.2f} ms vs {baseline.cpu_ms:.2f} ms "
        f"= {subject.cpu_ms / baseline.cpu_ms:.2f}× ({subject.cpu_ms - baseline.cpu_ms:+.2f} ms)"
    )
    steadiness = min(min(x.rates) / max(x.rates) for x in (subject, baseline))
    if steadiness < 0.7:
        print(
            f"  WARNING: a round ran at {steadiness:.0%} of the best one of its endpoint: something else was "
            "busy; the medians resist that, single rounds do not"
        )
