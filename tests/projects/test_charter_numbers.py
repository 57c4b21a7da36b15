"""A project started from an improvement states its baseline and target as people write
numbers: "from 20 (baseline) to 5 (target)", never "2E+1" (Decimal.normalize() of a round
number) nor "20.000" (the column's three places)."""

from decimal import Decimal

import pytest

from core.numbers import decimal_text
from tests.conftest import assert_status
from tests.projects.test_loop_e2e import propose_and_approve, start_project
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("20.000"), "20"),
        (Decimal("20"), "20"),
        (Decimal("2E+1"), "20"),
        (Decimal("1000"), "1000"),
        (Decimal("0.500"), "0.5"),
        (Decimal("99.950"), "99.95"),
        (Decimal("0.000"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("-12.50"), "-12.5"),
        (7, "7"),
        ("7.50", "7.5"),
    ],
)
def test_a_number_reads_as_people_write_it(value, text):
    assert decimal_text(value) == text


def test_a_project_from_an_improvement_states_round_baselines_without_exponents(people):
    service = ServiceFactory(name="Email", owner=people["service_owner"])
    improvement = propose_and_approve(people, service)
    url = f"/api/v1/improvements/{improvement['id']}/"
    version = assert_status(people["service_owner"], "GET", url, 200).data["version"]
    # the improvement's figures are edited while it is approved: 20 → 0.5 per month
    assert_status(
        people["service_owner"],
        "PATCH",
        url,
        200,
        {"version": version, "baseline_value": "20", "target_value": "0.50"},
    )
    project = start_project(people, improvement, code="MFA-1")
    assert "from 20 (baseline) to 0.5 (target)" in project["success_criteria"], project[
        "success_criteria"
    ]
    assert "E+" not in project["success_criteria"]
