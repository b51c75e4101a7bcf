"""Browser test at 360 px: a coordinator imports three trainees and copies one activation link; that
trainee activates the account on their phone, logs in again and opens a lesson."""
import pytest

from app.accounts.models import Role
from tests.conftest import log_in
from tests.factories import lesson_path, make_course

pytestmark = pytest.mark.browser

NEW_PASSWORD = "sandi-ponsel-2024"
CSV = ("email,nama_lengkap,nip,instansi,no_hp,kode_wilayah,kursus\n"
       "ani@kelaskim.example,Ani Suryani,,KIM Tenggarong,0812 1111 2222,64.02,{slug}\n"
       "bayu@kelaskim.example,Bayu Pratama,,KIM Loa Janan,,64.02,{slug}\n"
       "citra@kelaskim.example,Citra Dewi,,Diskominfo Kukar,0813 3333 4444,64.02,{slug}\n")


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_imported_trainee_activates_with_a_copied_link_and_opens_a_lesson(page, browser, browser_context_args,
                                                                        live_server, make_user, screenshot):
    course = make_course(slug="kim-peramban", modules=1, lessons=2)
    coordinator = make_user(Role.COORDINATOR, "64.02")
    log_in(page, live_server, coordinator.email, lands_on="/laporan/")

    page.goto(f"{live_server}/laporan/impor")
    page.set_input_files("input[name=berkas]", files=[{"name": "peserta.csv", "mimeType": "text/csv",
                                                       "buffer": CSV.format(slug=course.slug).encode()}])
    page.get_by_role("button", name="Periksa berkas").click()
    page.get_by_role("button", name="Ya, impor semua baris").click()
    page.wait_for_url(f"{live_server}/laporan/aktivasi?impor=*")
    assert page.get_by_text("3 akun menunggu aktivasi.").is_visible()
    assert page.get_by_role("link", name="Kirim lewat WhatsApp").count() == 2  # Ani and Citra gave a number
    _fits_the_phone(page)
    screenshot("activation-links-360")

    copied = page.get_by_label("Tautan aktivasi").nth(1)  # Bayu Pratama, second by name
    assert "Bayu Pratama" in page.locator(".invitations li").nth(1).inner_text()
    copied.select_text()
    link = copied.input_value()
    assert link.startswith(f"{live_server}/aktivasi/")

    phone = browser.new_context(**browser_context_args).new_page()
    phone.goto(link)
    assert phone.get_by_role("heading", name="Aktifkan akun").is_visible()
    _fits_the_phone(phone)
    phone.get_by_label("Kata sandi baru", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Simpan kata sandi dan masuk").click()
    phone.wait_for_url(f"{live_server}/kursus-saya")
    assert phone.get_by_text("Akun Anda aktif.").is_visible()

    phone.get_by_role("button", name="Keluar").click()
    phone.wait_for_url(f"{live_server}/masuk")
    log_in(phone, live_server, "bayu@kelaskim.example", NEW_PASSWORD, lands_on="/kursus-saya")
    phone.goto(f"{live_server}{lesson_path(course)}")
    assert phone.get_by_role("heading", name="Pelajaran 1.1").is_visible()
    _fits_the_phone(phone)
    screenshot_path = screenshot("activated-trainee-lesson-360")
    phone.screenshot(path=screenshot_path, full_page=True)
    phone.context.close()
