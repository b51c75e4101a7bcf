"""Every endpoint, requested as every role: anonymous goes to login, the wrong role gets 403."""
from __future__ import annotations

import pytest

from tests.authz_matrix import (
    FORBIDDEN, LOGIN, MATRIX, OK, ROLES, build_world, check_endpoint, endpoints, outcome_of,
)


@pytest.fixture
def world(app):
    """One account per role and two courses, for the URL builders."""
    return build_world()


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_endpoint_answers_each_role_as_the_matrix_says(app, world, endpoint):
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} tidak ada lagi (test_every_entry_names_an_endpoint melaporkannya)")
    mismatches = check_endpoint(app, endpoint, world)
    assert not mismatches, "\n".join(mismatches)


def test_every_endpoint_has_an_entry(app):
    missing = sorted(e for e in endpoints(app) if e not in MATRIX)
    assert not missing, "Tambahkan ke tests/authz_matrix.py MATRIX: " + ", ".join(missing)


def test_every_entry_names_an_endpoint(app):
    stale = sorted(set(MATRIX) - endpoints(app))
    assert not stale, "Endpoint ini tidak ada di aplikasi: " + ", ".join(stale)


def test_every_entry_gives_an_outcome_for_every_role():
    for endpoint, expect in MATRIX.items():
        assert set(expect.outcomes) == set(ROLES), endpoint
        assert set(expect.outcomes.values()) <= {OK, LOGIN, FORBIDDEN}, endpoint


@pytest.mark.parametrize(("status", "location", "expected"), [
    (200, None, OK), (302, "/admin/users", OK), (302, "/masuk", OK), (302, "/masuk?next=%2Fadmin%2Fusers", LOGIN),
    (403, None, FORBIDDEN), (404, None, FORBIDDEN), (500, None, "status 500"), (405, None, "status 405"),
])
def test_outcomes_are_classified(status, location, expected):
    assert outcome_of(status, location) == expected
