"""Sign-ups through the API: N officers at once for ONE activity (contention) vs N spread over N activities.

Subject: ``N`` officers of the seeded roster are released at the same moment (a barrier), each on its own
connection, and each sends ``POST /api/v1/activities/{id}/signups/`` for the same activity, which has
places for half of them: every sign-up locks that activity's row (``SELECT … FOR UPDATE`` in
``services.signup_create``), so the transactions queue behind one another.

Baseline: the same ``N`` officers at the same moment, each signing up for an activity of their own (no
two requests wait for the same row lock). To give both rounds the same work, half of those activities
are full beforehand (a place taken by another officer), so in both cases half of the sign-ups are
confirmed (and schedule their reminder) and half go to the waiting list.

The rate is sign-ups per second from the release to the last answer. Rounds alternate (A B, B A, …),
each with fresh activities. After every round the database is checked: no activity has more persons
booked than places, ``booked_persons`` equals the persons of the sign-ups holding places, and the
contended activity confirmed exactly its capacity. Everything the benchmark made (its activities,
their sign-ups and reminders) is deleted before and after, and the tables are VACUUM ANALYZEd.

Server: gunicorn with the README's deployment settings (4 sync workers): the contention the bureau's
server would see. Access tokens are minted in this process with the server's signing key.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import statistics
import threading
import time

from bench import harness

OFFICERS = 60  # N: the seeded small roster has ~100 officers
ROUNDS = 8  # per case, interleaved
WORKERS = 4  # README: gunicorn welfare.wsgi --workers 4
TITLE = "BENCH-报名并发"  # the title of everything the benchmark creates
ACTIVITY_TABLES = (
    "activities_activity",
    "activities_signup",
    "activities_signupperson",
    "notifications_reminder",
)


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def _clean() -> None:
    from django.db import connection

    from activities.models import Activity, SignUp
    from notifications.models import Reminder

    ids = list(SignUp.objects.filter(activity__title=TITLE).values_list("pk", flat=True))
    Reminder.objects.filter(subject__in=[f"activities.signup:{pk}" for pk in ids]).delete()
    Activity.objects.filter(title=TITLE).delete()
    with connection.cursor() as cursor:
        for table in ACTIVITY_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def _officers():
    """N roster officers who may sign up city-wide, and one more who fills the baseline's full activities."""
    from people.models import Officer

    officers = list(
        Officer.objects.filter(active=True, user__is_active=True, user__username__startswith="u")
        .select_related("user", "org_unit")
        .order_by("police_number")[: OFFICERS + 1]
    )
    if len(officers) < OFFICERS + 1:
        raise harness.BenchError(
            f"the benchmark needs {OFFICERS + 1} active officers; the database has {len(officers)}. "
            "BENCH_FRESH=1 reseeds it."
        )
    return officers[:OFFICERS], officers[OFFICERS]


def _activity(*, capacity: int, city, days_ahead: int):
    from django.utils import timezone

    from activities import services

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days_ahead)
    return services.activity_create(
        actor=None,
        timing=services.Timing(
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            signup_opens_at=timezone.now() - dt.timedelta(hours=1),
            signup_closes_at=start - dt.timedelta(days=1),
            cancel_until=start - dt.timedelta(days=2),
        ),
        title=TITLE,
        kind="other",
        organiser=city,
        audience_unit=city,
        venue="bench",
        capacity=capacity,
        audience="families",
    )


def _contended(city, round_no: int) -> list[int]:
    """One activity with places for half of the officers: every request wants its row lock."""
    activity = _activity(capacity=OFFICERS // 2, city=city, days_ahead=200 + round_no)
    return [activity.pk] * OFFICERS


def _spread(city, filler, round_no: int) -> list[int]:
    """One activity per officer, one place each; the first half already full (the filler took it)."""
    from activities import services

    ids = []
    for n in range(OFFICERS):
        activity = _activity(capacity=1, city=city, days_ahead=200 + round_no)
        if n < OFFICERS - OFFICERS // 2:
            services.signup_create(activity=activity, officer=filler, family_member_ids=[])
        ids.append(activity.pk)
    return ids


def _burst(server: harness.Server, tokens: list[str], activity_ids: list[int]) -> harness.Round:
    """Every officer's sign-up at the same moment; the round lasts until the last answer."""
    barrier = threading.Barrier(len(tokens) + 1)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    body = json.dumps({"family_member_ids": []})

    def sign_up(token: str, activity_id: int) -> None:
        conn = http.client.HTTPConnection(harness.HOST, server.port, timeout=60)
        path = f"/api/v1/activities/{activity_id}/signups/"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        barrier.wait()
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            with lock:
                failures.append(f"{path}: {exc}")
            return
        finally:
            conn.close()
        with lock:
            if response.status == 201:
                latencies.append(time.perf_counter() - started)
            else:
                failures.append(f"{path} answered {response.status}: {answer[:200].decode(errors='replace')}")

    threads = [
        threading.Thread(target=sign_up, args=(token, activity_id))
        for token, activity_id in zip(tokens, activity_ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    cpu_before = server.worker_cpu_seconds()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    result = harness.Round(
        requests=len(latencies),
        errors=len(failures),
        seconds=time.perf_counter() - started,
        cpu_seconds=server.worker_cpu_seconds() - cpu_before,
        latencies=latencies,
    )
    if failures:
        message = "\n    ".join(failures[:5])
        tail = f"\n--- gunicorn's log ---\n{server.log_tail()}" if any(" 5" in f for f in failures) else ""
        raise harness.BenchError(f"{len(failures)} sign-ups failed, e.g.:\n    {message}{tail}")
    return result


def _check(activity_ids: list[int], *, contended: bool) -> None:
    """Never overbooked: booked persons within capacity, and equal to the persons holding places."""
    from django.db.models import Sum

    from activities.models import BOOKED, Activity, SignUp, SignUpStatus

    for activity in Activity.objects.filter(pk__in=set(activity_ids)):
        holding = (
            SignUp.objects.filter(activity=activity, status__in=BOOKED).aggregate(n=Sum("persons"))["n"] or 0
        )
        if not holding == activity.booked_persons <= activity.capacity:
            raise harness.BenchError(
                f"activity {activity.pk}: capacity {activity.capacity}, booked_persons "
                f"{activity.booked_persons}, persons holding places {holding}"
            )
        if contended:
            confirmed = SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED).count()
            waiting = SignUp.objects.filter(activity=activity, status=SignUpStatus.WAITLISTED).count()
            if (confirmed, waiting) != (activity.capacity, OFFICERS - activity.capacity):
                raise harness.BenchError(
                    f"the contended activity has {confirmed} confirmed and {waiting} waiting; expected "
                    f"{activity.capacity} and {OFFICERS - activity.capacity}"
                )


def main() -> None:
    print(
        f"== POST /api/v1/activities/{{id}}/signups/: {OFFICERS} officers at once for one activity vs "
        f"{OFFICERS} activities ==",
        flush=True,
    )
    harness.prepare_database()
    _setup_django({**harness.server_env(), "DJANGO_SETTINGS_MODULE": "welfare.settings"})

    from rest_framework_simplejwt.tokens import RefreshToken

    from people.models import OrgUnit

    _clean()
    officers, filler = _officers()
    city = OrgUnit.objects.get(parent=None)
    tokens = [str(RefreshToken.for_user(officer.user).access_token) for officer in officers]
    busy_before = harness.cpu_busy()
    rounds: dict[str, list[harness.Round]] = {"one": [], "spread": []}
    checked = 0
    try:
        with harness.gunicorn(workers=WORKERS) as server:
            print(f"  {server.description}")
            print(f"  load: {OFFICERS} connections released at once, {ROUNDS} interleaved rounds per case")
            # Warm-up: every worker boots, connects to PostgreSQL and fills its caches.
            warm_up = [_activity(capacity=5, city=city, days_ahead=200).pk for _ in range(2 * WORKERS)]
            _burst(server, tokens[: 2 * WORKERS], warm_up)
            order = ["one", "spread"]
            for round_no in range(1, ROUNDS + 1):
                for case in order:
                    ids = _contended(city, round_no) if case == "one" else _spread(city, filler, round_no)
                    rounds[case].append(_burst(server, tokens, ids))
                    _check(ids, contended=case == "one")
                    checked += len(set(ids))
                order.reverse()
    finally:
        _clean()
    print(f"  machine: {harness.machine_note(busy_before, harness.cpu_busy())}")
    one = harness.Summary("one activity (contended)", rounds["one"])
    spread = harness.Summary(f"{OFFICERS} activities (spread)", rounds["spread"])
    for summary in (one, spread):
        harness.report(summary)
    pairs = [a.rate / b.rate for a, b in zip(one.rounds, spread.rounds, strict=True)]
    print(
        f"  {one.median_rate:.0f} vs {spread.median_rate:.0f} sign-ups/s: contention runs at "
        f"{one.median_rate / spread.median_rate:.2f}× the uncontended rate (round by round "
        f"{statistics.median(pairs):.2f}×, range {min(pairs):.2f}–{max(pairs):.2f})"
    )
    print(
        f"  never overbooked: {checked} activities checked after their rounds (booked persons = persons "
        "holding places ≤ capacity; the contended ones confirmed exactly their capacity)"
    )
