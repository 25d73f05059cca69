"""The results page, its export and the results API: scope, withholding, publishing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from surveys.models import PublishedResult
from tests.conftest import api_client_for
from tests.factories import OfficerFactory, OrgUnitFactory, RoleAssignmentFactory
from tests.surveys.test_results import _english, campaign, respond  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(settings):
    """Pages in English (the msgids), whatever the catalogue says: the assertions read the page."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def filled(campaign, county, other_county, city):  # noqa: F811
    """X01 with 4 (withheld), X02 with 5 (withheld: subtraction), X03 with 6 (shown)."""
    third = OrgUnitFactory(code="X03", name="南城分局", kind="county_bureau", parent=city)
    respond(campaign, county, [5] * 4)
    respond(campaign, other_county, [4] * 5)
    respond(campaign, third, [3] * 6)
    return campaign


@pytest.fixture
def welfare_office(city):
    staff = OfficerFactory(org_unit=city, user__username="welfare")
    RoleAssignmentFactory(user=staff.user, role="welfare_office", org_unit=city)
    return staff


def _results(client, campaign, **query):  # noqa: F811
    return client.get(reverse("survey-results", args=[campaign.pk]), query)


def test_the_welfare_office_sees_the_heatmap_with_withheld_cells_as_dashes(client, welfare_office, filled):
    client.force_login(welfare_office.user)
    response = _results(client, filled)
    assert response.status_code == 200
    html = response.content.decode()
    rows = {row.unit.code: row for row in response.context["report"].units}
    assert rows["X01"].withheld and rows["X02"].withheld and not rows["X03"].withheld
    assert html.count('data-withheld="1"') == 2 * 7  # two rows × (index + six dimensions)
    assert 'data-value="50.0"' in html  # X03
    assert "Publish results" in html


def test_publishing_from_the_page(client, welfare_office, filled):
    client.force_login(welfare_office.user)
    response = client.post(reverse("survey-publish", args=[filled.pk]))
    assert response.status_code == 302
    assert PublishedResult.objects.get(campaign=filled).respondents == 15
    html = _results(client, filled).content.decode()
    assert 'data-testid="survey-trend"' in html and "vendor/chart.js/chart.umd.js" in html
    assert "Publish results" not in html  # published: nothing more to publish


def test_a_unit_admin_cannot_publish(client, unit_admin, filled):
    client.force_login(unit_admin.user)
    assert client.post(reverse("survey-publish", args=[filled.pk])).status_code == 404
    assert not PublishedResult.objects.exists()


def test_a_unit_admin_sees_only_their_subtree_and_a_withheld_total(client, unit_admin, filled):
    client.force_login(unit_admin.user)
    response = _results(client, filled)
    report = response.context["report"]
    assert [row.unit.code for row in report.units] == ["X01"]
    assert report.total.withheld and report.total.index.value is None
    assert "Publish results" not in response.content.decode()
    assert _results(client, filled, unit="X03").status_code == 404


def test_a_unit_admin_of_another_county_gets_404_for_a_county_campaign(client, filled, other_county):
    filled.population_unit = filled.population_unit.children.get(code="X01")
    filled.save()
    admin = OfficerFactory(org_unit=other_county, user__username="admin2")
    RoleAssignmentFactory(user=admin.user, role="unit_admin", org_unit=other_county)
    client.force_login(admin.user)
    assert _results(client, filled).status_code == 404
    assert (
        api_client_for(admin.user).get(f"/api/v1/surveys/campaigns/{filled.pk}/results/").status_code == 404
    )


def test_an_officer_sees_nothing_before_publishing_then_the_city_and_not_a_withheld_own_unit(
    client, officer, filled
):
    client.force_login(officer.user)
    assert _results(client, filled).status_code == 404
    filled.status = "published"
    filled.save()
    report = _results(client, filled).context["report"]
    assert report.total.index.display is not None
    assert report.units == []  # X01 has 4 < 5
    assert report.total.comments == []


def test_an_officer_sees_their_own_unit_when_it_reaches_the_minimum(client, filled, city):
    third = filled.responses.filter(unit__code="X03").first().unit
    station = OrgUnitFactory(code="X03-P01", kind="police_station", parent=third)
    somebody = OfficerFactory(org_unit=station, user__username="x03officer")
    filled.status = "published"
    filled.save()
    client.force_login(somebody.user)
    report = _results(client, filled).context["report"]
    assert [(row.unit.code, str(row.index.display)) for row in report.units] == [("X03", "50.0")]


def test_an_outsider_without_population_membership_gets_404(client, filled, outsider):
    filled.population_unit = filled.population_unit.children.get(code="X01")
    filled.status = "published"
    filled.save()
    client.force_login(outsider.user)
    assert _results(client, filled).status_code == 404


def test_the_api_marks_withheld_cells_and_carries_no_number(welfare_office, filled):
    response = api_client_for(welfare_office.user).get(f"/api/v1/surveys/campaigns/{filled.pk}/results/")
    assert response.status_code == 200
    units = {unit["unit"]["code"]: unit for unit in response.json()["units"]}
    for code in ("X01", "X02"):
        assert units[code]["withheld"] is True and "respondents" not in units[code]
        assert units[code]["index"] == {"withheld": True}
        assert all(cell == {"withheld": True} for cell in units[code]["dimensions"].values())
    assert units["X03"]["index"] == {"withheld": False, "value": 50.0}
    assert response.json()["total"]["respondents"] == 15

    one = api_client_for(welfare_office.user).get(
        f"/api/v1/surveys/campaigns/{filled.pk}/results/", {"unit": "X01"}
    )
    assert [unit["unit"]["code"] for unit in one.json()["units"]] == ["X01"]


def test_the_export_withholds_as_the_page_does(client, welfare_office, filled):
    client.force_login(welfare_office.user)
    response = client.get(reverse("survey-results-export", args=[filled.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["东城分局"][1:] == ("—",) * 8
    assert rows["南城分局"][1:3] == (6, 50.0)
    assert rows["Total"][1:3] == (15, 71.7)  # (400 + 375 + 300) / 15
