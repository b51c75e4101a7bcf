"""Malformed input is answered at the edge with a 404 or a 400 in Indonesian, whatever the page."""
from __future__ import annotations

import pytest

from app.accounts.models import Role

BAD_REQUEST = "Permintaan tidak dapat diproses"


@pytest.fixture
def coordinator(client, make_user, login_as):
    """A provincial coordinator, signed in."""
    login_as(make_user(Role.COORDINATOR, "64"))
    return client


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_past_the_databases_integers_is_not_found(coordinator, number):
    response = coordinator.get(f"/laporan/peserta/{number}")
    assert response.status_code == 404 and "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_nul_in_a_form_is_refused_before_the_view(client):
    response = client.post("/masuk", data={"email": "a\x00@kelaskim.example", "password": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and BAD_REQUEST in page and "karakter NUL" in page


@pytest.mark.parametrize("query", ["next=/kursus%0d%0aSet-Cookie:x=1", "next=/%00", "q=%1b[31m"])
def test_control_characters_in_the_address_are_refused(client, query):
    response = client.get("/bahasa/en?" + query)
    assert response.status_code == 400 and "karakter kendali" in response.get_data(as_text=True)


def test_a_number_past_64_bits_is_refused_and_a_large_page_is_the_last_page(coordinator):
    response = coordinator.get(f"/laporan/peserta?page={10**30}")
    assert response.status_code == 400 and "Angka di permintaan ini terlalu besar." in response.get_data(as_text=True)
    assert coordinator.get(f"/laporan/peserta?page={2**62}").status_code == 200
    assert coordinator.get(f"/admin/audit?page={2**62}").status_code in (200, 403)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_date_outside_the_calendar_gets_a_message_not_an_error(coordinator, day):
    response = coordinator.get(f"/laporan/peserta?dari={day}")
    assert response.status_code == 200
    assert "Tanggal harus antara tahun 2000 dan 2099." in response.get_data(as_text=True)
    assert coordinator.get(f"/laporan/peserta.csv?sampai={day}").status_code == 302  # back to the page's message
