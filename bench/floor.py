"""The floor for ``GET /api/v1/me/``: the same JSON built with plain Django, no DRF, no JWT.

It runs behind the same middleware and does the same data work as ``people.api.MeView`` — the user,
officer + unit, role assignments + units, family — but reads the user by a fixed username instead of
authenticating, and builds the dict by hand instead of through serializers. What the API costs above
this is what DRF, simplejwt and the serializers cost.

The role and family querysets come from the same selectors MeView calls, so a change of ordering or
of query there reaches both sides; keep the officer query and the fields in step with MeView by hand.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse

from people import scope, selectors
from people.models import Officer, OrgUnit, User

FLOOR_USERNAME = "demo_officer"


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _unit(unit: OrgUnit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind}


def me(request: HttpRequest) -> HttpResponse:
    # The same four queries as MeView, in the same order: the user (there: from the JWT's user id),
    # officer + unit, role assignments + units, family.
    user = User.objects.get(username=FLOOR_USERNAME)
    officer = Officer.objects.select_related("org_unit").filter(user=user).first()
    roles = scope.assignments_for(user)
    family = list(selectors.family_of(officer=officer)) if officer else []
    payload = {
        "username": user.username,
        "display_name": officer.name if officer else (user.get_full_name() or user.username),
        "officer": None
        if officer is None
        else {
            "police_number": officer.police_number,
            "name": officer.name,
            "sex": officer.sex,
            "birth_date": _date(officer.birth_date),
            "kind": officer.kind,
            "org_unit": _unit(officer.org_unit),
            "position": officer.position,
            "joined_police_on": _date(officer.joined_police_on),
            "mobile": officer.mobile,
        },
        "roles": [
            {"role": ra.role, "role_display": ra.get_role_display(), "org_unit": _unit(ra.org_unit)}
            for ra in roles
        ],
        "family": [
            {
                "id": member.id,
                "relation": member.relation,
                "name": member.name,
                "sex": member.sex,
                "birth_date": _date(member.birth_date),
                "age": member.age,
                "school": member.school,
                "grade": member.grade,
            }
            for member in family
        ],
    }
    # Encoded as DRF's JSONRenderer does by default (UNICODE_JSON, COMPACT_JSON), so the bytes match too.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, content_type="application/json")
