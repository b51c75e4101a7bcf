"""Images and PDFs in lessons: uploaded, checked by content, re-encoded without metadata, served with long caching."""
from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import Role
from app.catalog import files as file_checks
from app.catalog.models import CourseFile, Lesson, Revision, Status
from app.extensions import db
from app.progress import services as learning
from tests.factories import lesson_path, make_course


def jpeg_with_exif(width: int = 2400, height: int = 1800) -> bytes:
    """A phone photo: rotated by its EXIF orientation, with the camera's name and a GPS position."""
    image = Image.new("RGB", (width, height), (30, 120, 60))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to show upright
    exif[0x010F] = "KameraRahasia"
    exif[0x8825] = {1: "S", 2: (0.0, 30.0, 0.0)}  # a GPS position
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 20, 20, 128)).save(out, "PNG")
    return out.getvalue()


def bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims a huge picture: decoding it would take gigabytes."""
    raw = bytearray(png(1, 1))
    raw[16:24] = struct.pack(">II", width, height)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])) & 0xFFFFFFFF)
    return bytes(raw)


SVG_WITH_SCRIPT = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def trainer_course(make_user, login_as, client):
    """A published course owned by a logged-in trainer."""
    trainer = make_user(Role.TRAINER, "64", full_name="Dewi Pelatih")
    course = make_course(slug="kim-bergambar", owners=[trainer])
    login_as(trainer)
    return course


def upload(client, course, data: bytes, filename: str, alt: str = "Peta sebaran KIM", **extra):
    return client.post(f"/kelola/kursus/{course.id}/berkas", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), "alt": alt, **extra})


def stored() -> list[CourseFile]:
    db.session.expire_all()
    return list(db.session.scalars(select(CourseFile).order_by(CourseFile.name)))


def test_an_uploaded_photo_is_re_encoded_upright_small_and_without_metadata(client, trainer_course):
    response = upload(client, trainer_course, jpeg_with_exif(), "Foto Lapangan (1).JPG")
    assert response.status_code == 302
    (photo,) = stored()
    assert (photo.name, photo.kind, photo.media_type, photo.alt) == ("foto-lapangan-1.jpg", "image", "image/jpeg",
                                                                     "Peta sebaran KIM")
    image = Image.open(io.BytesIO(photo.content))
    # Upright (portrait, as the camera meant it), at most 1,600 px, and nothing of the camera left.
    assert (photo.width, photo.height) == image.size == (1200, 1600)
    assert not image.getexif() and b"KameraRahasia" not in photo.content
    assert {"exif", "xmp", "icc_profile", "comment"}.isdisjoint(image.info)
    page = client.get(f"/kelola/kursus/{trainer_course.id}/berkas").get_data(as_text=True)
    assert "![Peta sebaran KIM](berkas/foto-lapangan-1.jpg)" in page and "Gambar 1200 × 1600 piksel" in page


@pytest.mark.parametrize("data, filename, message", [
    (b"nama,email\nSiti,siti@contoh.id\n", "peserta.png", "Isi berkas ini bukan gambar yang dapat dibaca"),
    (b"MZ\x90\x00" + b"\x00" * 200, "foto.jpg", "Isi berkas ini bukan gambar yang dapat dibaca"),
    (SVG_WITH_SCRIPT, "logo.svg", "Gambar SVG tidak diterima: berkas SVG dapat memuat skrip."),
    (SVG_WITH_SCRIPT, "logo.png", "Gambar SVG tidak diterima"),
    (bomb(), "bom.png", "Gambar ini mengaku berukuran sangat besar (bom dekompresi)"),
    (bomb(8000, 8000), "besar.png", "Gambar 8000 × 8000 piksel terlalu besar untuk diolah; batasnya 40 juta piksel."),
    (png()[:60], "terpotong.png", "Gambar ini rusak atau terpotong."),
    (b"%PDF-1.4 tanpa akhir", "materi.pdf", "Isi berkas ini bukan PDF yang utuh"),
    (png(), "catatan.docx", "Jenis berkas tidak didukung."),
    (b"", "kosong.png", "Berkas kosong."),
])
def test_bad_files_get_a_clear_message_and_nothing_is_stored(client, trainer_course, data, filename, message):
    response = upload(client, trainer_course, data, filename)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert stored() == []


def test_an_oversized_file_is_refused_before_it_is_read_whole(client, trainer_course, monkeypatch):
    monkeypatch.setattr(file_checks, "MAX_BYTES", 2048)
    response = upload(client, trainer_course, png(200, 200) + b"\x00" * 4096, "besar.png")
    assert "Berkas terlalu besar; batasnya 2 KB." in response.get_data(as_text=True)
    assert stored() == []


def test_an_image_over_the_site_limit_gets_the_limit_named_and_nothing_is_stored(client, trainer_course):
    too_big = png(200, 200) + b"\x00" * (5 * 1024 * 1024)  # a real upload, past the site's 5 MB request limit
    response = upload(client, trainer_course, too_big, "besar.png")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Berkas terlalu besar" in page and "melebihi batas 5 MB" in page
    assert stored() == []


def test_alt_text_is_required(client, trainer_course):
    assert "Teks alternatif wajib diisi" in upload(client, trainer_course, png(), "diagram.png", alt=" ").get_data(as_text=True)
    assert stored() == []


def test_a_name_in_use_is_replaced_only_when_asked_and_the_address_follows_the_content(client, trainer_course):
    upload(client, trainer_course, png(40, 30), "diagram.png")
    first_id, first_sha = stored()[0].id, stored()[0].sha256
    refused = upload(client, trainer_course, png(80, 60), "diagram.png").get_data(as_text=True)
    assert "sudah punya berkas bernama diagram.png" in refused and stored()[0].sha256 == first_sha
    assert upload(client, trainer_course, png(80, 60), "diagram.png", replace="y").status_code == 302
    replaced = stored()[0]
    assert replaced.id == first_id and replaced.sha256 != first_sha and replaced.width == 80
    # The old address (cached in an old lesson page) is sent on to the new one.
    old = client.get(f"/kursus/{trainer_course.slug}/berkas/{first_sha[:16]}/diagram.png")
    assert old.status_code == 302 and old.headers["Location"].endswith(
        f"/kursus/{trainer_course.slug}/berkas/{replaced.sha256[:16]}/diagram.png")
    # The course history records both.
    files_in_history = [r.snapshot.get("files") for r in db.session.scalars(
        select(Revision).where(Revision.entity_type == "course").order_by(Revision.id))]
    assert files_in_history[-2:] == [[f"diagram.png ({first_sha[:8]}): Peta sebaran KIM"],
                                     [f"diagram.png ({replaced.sha256[:8]}): Peta sebaran KIM"]]


def test_a_trainee_sees_the_image_in_the_lesson_and_the_file_is_kept_a_year(app, client, trainer_course, make_user,
                                                                          login_as):
    upload(client, trainer_course, png(), "diagram.png", alt="Alur informasi KIM")
    upload(client, trainer_course, PDF, "Materi Workshop.pdf", alt="Materi workshop Mei 2023")
    lesson = trainer_course.modules[0].lessons[0]
    body = "Lihat gambar:\n\n![Alur informasi KIM](berkas/diagram.png)\n\n[Unduh materi (PDF)](berkas/materi-workshop.pdf)"
    form = {"title": lesson.title, "slug": lesson.slug, "minutes": "5", "objectives": "Memahami isi.",
            "sources": "Laporan", "body": body, "submit": "1"}
    assert client.post(f"/kelola/pelajaran/{lesson.id}", data=form).status_code == 302

    trainee = app.test_client()
    student = make_user(full_name="Agus Salim")
    learning.enroll(student, trainer_course)
    db.session.commit()
    login_as(student, the_client=trainee)
    page = trainee.get(lesson_path(trainer_course)).get_data(as_text=True)
    diagram, handout = stored()[0], stored()[1]
    image_url = f"/kursus/{trainer_course.slug}/berkas/{diagram.sha256[:16]}/diagram.png"
    assert f'<img src="{image_url}" alt="Alur informasi KIM">' in page
    assert f'href="/kursus/{trainer_course.slug}/berkas/{handout.sha256[:16]}/materi-workshop.pdf"' in page

    response = trainee.get(image_url)
    assert response.status_code == 200 and response.data == diagram.content and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert trainee.get(image_url, headers={"If-None-Match": f'"{diagram.sha256}"'}).status_code == 304
    pdf = trainee.get(f"/kursus/{trainer_course.slug}/berkas/{handout.sha256[:16]}/materi-workshop.pdf")
    assert pdf.data == PDF and pdf.headers["Content-Disposition"].startswith("attachment;")
    # Not logged in: to the login page; a draft course's files: not there for trainees.
    assert app.test_client().get(image_url).status_code == 302
    assert client.post(f"/kelola/kursus/{trainer_course.id}/status/draf", data={"konfirmasi": "1"}).status_code == 302
    assert trainee.get(image_url).status_code == 404


def test_the_preview_explains_blocked_and_missing_images_and_a_lesson_needs_alt_text(client, trainer_course):
    module = trainer_course.modules[0]
    upload(client, trainer_course, png(), "diagram.png", alt="Alur informasi KIM")
    body = ("![Logo](https://contoh.example/logo.png)\n\n![Peta](berkas/belum-ada.png)\n\n"
            "![Alur informasi KIM](berkas/diagram.png)")
    form = {"title": "Gambar", "slug": "", "minutes": "5", "objectives": "Memahami isi.", "sources": "Laporan",
            "body": body, "preview": "1"}
    page = client.post(f"/kelola/modul/{module.id}/pelajaran/baru", data=form).get_data(as_text=True)
    notes = re.search(r'<ul class="flash flash-warning" id="catatan-gambar">(.*?)</ul>', page, re.S).group(1)
    assert "Gambar dari situs lain (https://contoh.example/logo.png) tidak ditampilkan" in notes
    assert "unggah di Berkas kursus" in notes
    assert "Berkas berkas/belum-ada.png belum diunggah ke kursus ini" in notes
    assert "diagram.png" not in notes
    # The editor offers the course's files by name, with the Markdown to paste.
    assert 'data-insert="![Alur informasi KIM](berkas/diagram.png)"' in page

    count = db.session.scalar(select(func.count(Lesson.id)))
    form.pop("preview")
    refused = client.post(f"/kelola/modul/{module.id}/pelajaran/baru",
                          data={**form, "body": "![](berkas/diagram.png)", "submit": "1"}).get_data(as_text=True)
    assert "Gambar berkas/diagram.png belum punya teks alternatif" in refused
    assert db.session.scalar(select(func.count(Lesson.id))) == count


def test_deleting_a_file_names_the_lessons_that_show_it(client, trainer_course):
    upload(client, trainer_course, png(), "diagram.png")
    lesson = trainer_course.modules[0].lessons[1]
    lesson.body_md = "![Peta sebaran KIM](berkas/diagram.png)"
    db.session.commit()
    course_file = stored()[0]
    page = client.get(f"/kelola/berkas/{course_file.id}/hapus").get_data(as_text=True)
    assert "Hapus berkas diagram.png?" in page and lesson.title in page and stored()
    assert client.post(f"/kelola/berkas/{course_file.id}/hapus").status_code == 302
    assert stored() == []


def test_another_trainers_course_files_are_out_of_reach(app, client, trainer_course, make_user, login_as):
    upload(client, trainer_course, png(), "diagram.png")
    course_file = stored()[0]
    other = app.test_client()
    login_as(make_user(Role.TRAINER, "64"), the_client=other)
    assert other.get(f"/kelola/kursus/{trainer_course.id}/berkas").status_code == 403
    assert upload(other, trainer_course, png(), "lain.png").status_code == 403
    assert other.post(f"/kelola/berkas/{course_file.id}/hapus").status_code == 403
    assert [f.name for f in stored()] == ["diagram.png"]


def test_a_course_saved_for_offline_reading_holds_its_uploaded_images(app, client, trainer_course, make_user,
                                                                      login_as):
    upload(client, trainer_course, png(), "diagram.png", alt="Alur informasi KIM")
    lesson = db.session.get(Lesson, trainer_course.modules[0].lessons[0].id)
    lesson.body_md = "![Alur informasi KIM](berkas/diagram.png)"
    db.session.commit()
    trainee = app.test_client()
    student = make_user(full_name="Agus Salim")
    learning.enroll(student, trainer_course)
    db.session.commit()
    login_as(student, the_client=trainee)
    saved = trainee.get(f"/kursus/{trainer_course.slug}/luring.json").json
    image_url = f"/kursus/{trainer_course.slug}/berkas/{stored()[0].sha256[:16]}/diagram.png"
    assert image_url in saved["urls"] and trainee.get(image_url).data == stored()[0].content
    # A replaced image is a new address and a new key, so the saved copy is refreshed.
    upload(client, trainer_course, png(80, 60), "diagram.png", replace="y")
    again = trainee.get(f"/kursus/{trainer_course.slug}/luring.json").json
    assert again["key"] != saved["key"] and image_url not in again["urls"]
