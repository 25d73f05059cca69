"""Property-based fuzzing of the REST API from its own OpenAPI schema (schemathesis).

Every operation gets generated input, valid and invalid, as an officer who is also a unit admin:
no answer may be a server error, and every successful answer must match the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.specs.openapi.checks import response_schema_conformance

from welfare.wsgi import application

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application


@pytest.fixture
def bearer(officer, county, outsider):
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=officer.user, role="unit_admin", org_unit=county)
    # Like Django's test client: keep the test's connection (and its transaction) open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {RefreshToken.for_user(officer.user).access_token}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_fails_and_answers_as_documented(case, bearer):
    if not case.path.startswith("/api/v1/auth/"):
        case.headers = {**(case.headers or {}), **bearer}
    response = case.call(app=application)
    assert response.status_code < 500, response.text
    if response.status_code < 400:
        case.validate_response(response, checks=[response_schema_conformance])
    elif response.status_code != 405:
        # Every refusal speaks the one error shape, with a message a person can read.
        error = response.json()["error"]
        assert error["status"] == response.status_code and error["message"], response.text
