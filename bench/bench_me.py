"""GET /api/v1/me/ (DRF + simplejwt) against the bare-Django floor that returns the same JSON.

The floor (bench/floor.py) runs in the same gunicorn, behind the same middleware, on the same
database, and does the same four queries; the ratio api/floor is therefore what DRF, JWT
authentication and the serializers cost on this endpoint, measured on this machine in this run.
"""

from __future__ import annotations

import json

from bench import harness

API = "/api/v1/me/"
FLOOR = "/bench/floor/me/"

# Two sync workers, one per core of the 2-core reference machine. Sync is the worker class the README's
# deployment uses (gunicorn's default, behind the bureau's reverse proxy); it closes the connection after
# each response, so every request is a fresh accept and the kernel spreads the load evenly over the
# workers. With keep-alive (gthread) a connection stays with the worker that accepted it, and how the
# client's connections happen to split between workers would change the figures from run to run.
# More workers than cores gain nothing: PostgreSQL and the load generator share the same two cores.
WORKERS = 2
CONNECTIONS = 2 * WORKERS  # a request always waits in the queue, so no worker idles between requests
WARMUP_SECONDS = 2.0  # per endpoint: both workers boot, connect to PostgreSQL and fill their caches
# Short rounds, interleaved, so each pair of rounds sees the same background load on a shared machine.
ROUNDS = 10
ROUND_SECONDS = 2.0  # per endpoint and round: 10 × 2 × 2 s = 40 s of measurement


def _check_same_json(server: harness.Server, auth: dict[str, str]) -> None:
    api_status, api_body = harness.request(server, "GET", API, headers=auth)
    floor_status, floor_body = harness.request(server, "GET", FLOOR)
    harness.expect_ok(server, "GET", API, api_status, api_body)
    harness.expect_ok(server, "GET", FLOOR, floor_status, floor_body)
    if json.loads(api_body) != json.loads(floor_body):
        print("  WARNING: the API and the floor return different JSON; bench/floor.py must follow MeView.")
        print(f"    api:   {api_body.decode()}")
        print(f"    floor: {floor_body.decode()}")
    elif api_body != floor_body:
        sizes = f"{len(api_body)} and {len(floor_body)} bytes"
        print(f"  Both answer 200 with the same JSON, but not byte for byte ({sizes}).")
    else:
        print(f"  Both answer 200 with the same JSON, byte for byte ({len(api_body)} bytes).")


def main() -> None:
    print(f"== GET {API} (DRF + JWT) vs the bare-Django floor ({FLOOR}) ==", flush=True)
    harness.prepare_database()
    busy_before = harness.cpu_busy()
    with harness.gunicorn(workers=WORKERS) as server:
        auth = {"Authorization": f"Bearer {harness.login(server)}"}
        headers = {API: auth, FLOOR: {}}
        _check_same_json(server, auth)
        print(f"  {server.description}")
        print(
            f"  load: {CONNECTIONS} client connections, {ROUNDS} interleaved rounds × {ROUND_SECONDS:g} s "
            "per endpoint",
            flush=True,
        )
        for path in (API, FLOOR):
            harness.load(server, path, headers=headers[path], seconds=WARMUP_SECONDS, connections=CONNECTIONS)
        rounds: dict[str, list[harness.Round]] = {API: [], FLOOR: []}
        order = [API, FLOOR]
        for _ in range(ROUNDS):
            for path in order:
                result = harness.load(
                    server, path, headers=headers[path], seconds=ROUND_SECONDS, connections=CONNECTIONS
                )
                rounds[path].append(result)
            order.reverse()  # A B, B A, A B ...: a slow drift favours neither endpoint
    print(f"  machine: {harness.machine_note(busy_before, harness.cpu_busy())}")
    api = harness.Summary(f"GET {API}", rounds[API])
    floor = harness.Summary(f"GET {FLOOR} (floor)", rounds[FLOOR])
    harness.report(api)
    harness.report(floor)
    harness.compare(api, floor, "the bare-Django floor")
