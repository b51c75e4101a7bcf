"""Course files in the course folder format: exported under berkas/, imported back byte for byte, checked by name."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from PIL import Image

from app.catalog import files as file_checks
from app.catalog.coursefiles.reading import read_courses
from app.catalog.models import CourseFile
from app.extensions import db
from tests.factories import make_course
from tests.test_authoring_files import PDF, SVG_WITH_SCRIPT, bomb, jpeg_with_exif, png
from tests.test_catalog_loader import run, writes


@pytest.fixture
def exported(runner, tmp_path) -> Path:
    """A course with a photo and a PDF used by its lesson, exported to tmp_path/out/<slug>."""
    course = make_course(slug="kim-berkas", modules=1, lessons=1, with_quiz=False)
    for upload, name, alt in ((jpeg_with_exif(), "Peta KIM.jpg", "Peta KIM di Kutai Kartanegara"),
                              (PDF, "materi.pdf", "Materi workshop")):
        checked = file_checks.checked_upload(upload, name)
        course.files.append(CourseFile(name=checked.name, kind=checked.kind, media_type=checked.media_type, alt=alt,
                                       sha256=checked.sha256, size=len(checked.data), width=checked.width,
                                       height=checked.height, content=checked.data))
    course.modules[0].lessons[0].body_md = ("Isi.\n\n![Peta KIM di Kutai Kartanegara](berkas/peta-kim.jpg)\n\n"
                                            "[Materi (PDF)](berkas/materi.pdf)\n")
    db.session.commit()
    result = run(runner, "export", "kim-berkas", tmp_path / "out")
    assert "4 berkas" in result.output  # course.yaml, the lesson and the two files
    return tmp_path / "out" / "kim-berkas"


def stored_files() -> dict[str, bytes]:
    db.session.expire_all()
    return {f.name: f.content for f in db.session.scalars(db.select(CourseFile))}


def test_export_then_import_keeps_every_file_byte_for_byte(runner, exported, count_queries):
    before = stored_files()
    assert (exported / "berkas" / "peta-kim.jpg").read_bytes() == before["peta-kim.jpg"]
    assert (exported / "berkas" / "materi.pdf").read_bytes() == PDF
    document = yaml.safe_load((exported / "course.yaml").read_text())
    assert document["files"] == [{"name": "materi.pdf", "alt": "Materi workshop"},
                                 {"name": "peta-kim.jpg", "alt": "Peta KIM di Kutai Kartanegara"}]
    assert "kim-berkas: 1 modul, 1 pelajaran, 0 soal, 2 berkas" in run(runner, "check", exported).output

    # Gone from the database, they come back from the folder exactly as they were.
    db.session.execute(db.delete(CourseFile))
    db.session.commit()
    assert stored_files() == {}
    assert "berkas: 2 baru" in run(runner, "import", exported).output
    assert stored_files() == before
    with count_queries() as statements:
        assert "tidak berubah" in run(runner, "import", exported).output
    assert writes(statements) == []


def test_an_image_with_metadata_in_a_folder_is_stored_clean_under_its_name(runner, exported):
    (exported / "berkas" / "peta-kim.jpg").write_bytes(jpeg_with_exif(800, 600))
    assert "berkas: 1 diubah" in run(runner, "import", exported).output
    content = stored_files()["peta-kim.jpg"]
    image = Image.open(__import__("io").BytesIO(content))
    assert image.format == "JPEG" and image.size == (600, 800) and not image.getexif()


@pytest.mark.parametrize("damage, problem", [
    (lambda folder: (folder / "berkas" / "materi.pdf").unlink(), "berkas 'materi.pdf' (files[0].name): berkas tidak ditemukan"),
    (lambda folder: (folder / "berkas" / "peta-kim.jpg").write_bytes(b"\xff" * (file_checks.MAX_BYTES + 1)),
     "berkas 'peta-kim.jpg' (files[1].name): berkas terlalu besar (5,1 MB; batasnya 5 MB)"),
    (lambda folder: (folder / "berkas" / "peta-kim.jpg").write_bytes(b"bukan gambar"),
     "berkas 'peta-kim.jpg' (files[1].name): Isi berkas ini bukan gambar"),
    (lambda folder: (folder / "berkas" / "peta-kim.jpg").write_bytes(bomb()),
     "berkas 'peta-kim.jpg' (files[1].name): Gambar ini mengaku berukuran sangat besar"),
    (lambda folder: (folder / "berkas" / "peta-kim.jpg").write_bytes(SVG_WITH_SCRIPT),
     "berkas 'peta-kim.jpg' (files[1].name): Gambar SVG tidak diterima"),
])
def test_the_checker_names_a_missing_oversized_or_unreadable_file(runner, exported, damage, problem):
    damage(exported)
    reading = read_courses(exported)
    assert any(problem in str(found) for found in reading.problems), reading.problems
    before = stored_files()
    result = runner.invoke(args=["courses", "import", str(exported)])
    assert result.exit_code == 1 and "tidak ada kursus yang diimpor" in result.output
    assert stored_files() == before


def test_the_checker_names_unlisted_files_and_images_without_alt_text(exported):
    lesson = next((exported / "modul-1").glob("*.md"))
    lesson.write_text(lesson.read_text() + "\n![Grafik](berkas/grafik.png)\n\n![](berkas/peta-kim.jpg)\n")
    messages = [str(problem) for problem in read_courses(exported).problems]
    assert f"{lesson}: berkas/grafik.png dipakai di isi pelajaran tetapi tidak tercantum di files course.yaml" in " ".join(
        messages)
    assert any("gambar berkas/peta-kim.jpg tidak punya teks alternatif" in message for message in messages)


def test_a_file_name_outside_the_format_is_refused(exported):
    document = yaml.safe_load((exported / "course.yaml").read_text())
    document["files"][0]["name"] = "../../etc/passwd"
    (exported / "course.yaml").write_text(yaml.safe_dump(document))
    assert any("nama berkas harus huruf kecil" in str(problem) for problem in read_courses(exported).problems)


def test_the_png_written_for_an_upload_is_kept_as_it_is(tmp_path):
    checked = file_checks.checked_upload(png(), "diagram.png")
    again = file_checks.checked_folder_file(checked.data, checked.name)
    assert again.data == checked.data and hashlib.sha256(again.data).hexdigest() == checked.sha256
