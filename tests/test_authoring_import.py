"""Importing questions from GIFT and Aiken: a preview first, then a confirm that writes them."""
from __future__ import annotations

import io
from urllib.parse import urlencode

from sqlalchemy import func, select

from app.accounts.models import Role
from app.catalog.models import Revision
from app.extensions import db
from app.quizzes.models import Question
from tests.factories import make_course

GIFT = """\
// Bank soal dari Moodle
::Singkatan KIM::Apa kepanjangan **KIM**? {
=Kelompok Informasi Masyarakat#Tepat.
~Komunitas Internet Masyarakat#Belum tepat.
####KIM dibentuk oleh masyarakat.
}

KIM harus didirikan oleh pemerintah.{FALSE#Keliru.#Benar sekali.}

Mana saja peran KIM? {
~%50%Menyebarkan informasi
~%50%Menyerap aspirasi
~%-100%Memungut pajak
}

Tuliskan kepanjangan KIM. {=Kelompok Informasi Masyarakat}
"""

AIKEN = """\
Siapa yang membentuk KIM?
A. Masyarakat
B. Pemerintah pusat
ANSWER: A

Apa fungsi KIM?
A) Diseminasi informasi
B) Memungut pajak
ANSWER: A
"""

BROKEN_GIFT = """\
Soal yang baik? {=Ya ~Tidak}

Soal tanpa jawaban benar? {~Satu ~Dua}

Soal tanpa penutup {=Ya ~Tidak
"""


def _setup(make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(owners=[trainer], modules=1)
    login_as(trainer)
    return course.modules[0].quiz


def _count(quiz_id):
    return db.session.scalar(select(func.count(Question.id)).where(Question.quiz_id == quiz_id))


def _hidden(page: str, name: str) -> str:
    """The value of a hidden input, unescaped as a browser would send it."""
    import html
    start = page.index(f'name="{name}"')
    tag = page[page.rindex("<input", 0, start): page.index(">", start)]
    return html.unescape(tag.split('value="', 1)[1].split('"', 1)[0])


def test_gift_paste_preview_then_confirm(client, make_user, login_as):
    quiz = _setup(make_user, login_as)
    page = client.post(f"/kelola/kuis/{quiz.id}/impor", data={"format": "gift", "text": GIFT}).get_data(as_text=True)
    assert "4 soal terbaca, 0 masalah" in page and "Simpan 4 soal" in page
    assert "<strong>KIM</strong>" in page and "Kelompok Informasi Masyarakat" in page and "Belum tepat." in page
    assert _count(quiz.id) == 4  # the preview writes nothing

    text = _hidden(page, "text")
    assert text.replace("\r\n", "\n") == GIFT
    response = client.post(f"/kelola/kuis/{quiz.id}/impor/simpan", data={"format": "gift", "text": text})
    assert response.status_code == 302
    db.session.expire_all()
    imported = quiz.questions[4:]
    assert [q.type for q in imported] == ["single", "truefalse", "multiple", "short"]
    assert [q.position for q in quiz.questions] == list(range(8))
    assert imported[0].key == "singkatan-kim" and imported[0].explanation == "KIM dibentuk oleh masyarakat."
    assert [(c.text, c.correct, c.feedback) for c in imported[0].choices] == [
        ("Kelompok Informasi Masyarakat", True, "Tepat."), ("Komunitas Internet Masyarakat", False, "Belum tepat.")]
    assert [(c.key, c.correct) for c in imported[1].choices] == [("true", False), ("false", True)]
    assert imported[3].accepted == ["Kelompok Informasi Masyarakat"]
    revision = db.session.scalars(select(Revision).where(Revision.entity_type == "quiz").order_by(Revision.id.desc())).first()
    assert revision.summary == "impor 4 soal (GIFT)" and len(revision.snapshot["questions"]) == 8


def test_aiken_file_upload_preview_then_confirm(client, make_user, login_as):
    quiz = _setup(make_user, login_as)
    data = {"format": "aiken", "file": (io.BytesIO(AIKEN.encode("utf-8-sig")), "soal.txt"), "text": ""}
    page = client.post(f"/kelola/kuis/{quiz.id}/impor", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "2 soal terbaca, 0 masalah" in page and "belum punya penjelasan" in page
    client.post(f"/kelola/kuis/{quiz.id}/impor/simpan", data={"format": "aiken", "text": _hidden(page, "text")})
    db.session.expire_all()
    assert _count(quiz.id) == 6
    assert [c.correct for c in quiz.questions[4].choices] == [True, False]


def test_malformed_file_shows_line_errors_and_writes_nothing(client, make_user, login_as):
    quiz = _setup(make_user, login_as)
    revisions_before = db.session.scalar(select(func.count(Revision.id)))
    page = client.post(f"/kelola/kuis/{quiz.id}/impor", data={"format": "gift", "text": BROKEN_GIFT}).get_data(as_text=True)
    assert "Baris 3: jawaban benar tidak ditemukan" in page
    assert "Baris 5: kurung kurawal { tidak ditutup dengan }" in page
    assert "impor/simpan" not in page  # no confirm button while there are errors
    assert "Soal tanpa penutup" in page  # the text comes back to be fixed

    # Even a forged confirm is refused: the text is parsed again before anything is written.
    page = client.post(f"/kelola/kuis/{quiz.id}/impor/simpan", data={"format": "gift", "text": BROKEN_GIFT}).get_data(as_text=True)
    assert "belum ada soal yang disimpan" in page
    assert _count(quiz.id) == 4
    assert db.session.scalar(select(func.count(Revision.id))) == revisions_before


def test_binary_and_non_unicode_uploads_get_a_clear_message(client, make_user, login_as):
    quiz = _setup(make_user, login_as)
    url = f"/kelola/kuis/{quiz.id}/impor"
    png = {"format": "gift", "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "soal.txt")}
    page = client.post(url, data=png, content_type="multipart/form-data").get_data(as_text=True)
    assert "bukan berkas teks" in page
    # Windows Notepad's "Unicode" (UTF-16 with its BOM) is text, as Moodle reads it.
    utf16 = {"format": "aiken", "file": (io.BytesIO("Soal pilihan?\nA. Ya\nB. Tidak\nANSWER: A\n".encode("utf-16")), "soal.txt")}
    page = client.post(url, data=utf16, content_type="multipart/form-data").get_data(as_text=True)
    assert "1 soal terbaca, 0 masalah" in page and "Soal pilihan?" in page
    cp1252 = {"format": "aiken", "file": (io.BytesIO("Apa arti “KIM”?\nA. Ya\nB. Tidak\nANSWER: A\n".encode("cp1252")), "soal.txt")}
    page = client.post(url, data=cp1252, content_type="multipart/form-data").get_data(as_text=True)
    assert "tidak tersimpan dalam UTF-8" in page
    docx = {"format": "gift", "file": (io.BytesIO(b"PK\x03\x04"), "soal.docx")}
    page = client.post(url, data=docx, content_type="multipart/form-data").get_data(as_text=True)
    assert "berakhiran .txt" in page
    assert "Unggah berkas .txt atau tempel teks" in client.post(url, data={"format": "gift", "text": "  "}).get_data(as_text=True)
    assert _count(quiz.id) == 4


def test_upload_over_the_size_limit_is_refused(client, app, make_user, login_as):
    quiz = _setup(make_user, login_as)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        big = {"format": "gift", "file": (io.BytesIO(b"x" * 4096), "soal.txt")}
        assert client.post(f"/kelola/kuis/{quiz.id}/impor", data=big, content_type="multipart/form-data").status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert _count(quiz.id) == 4


def test_a_large_bank_confirms_in_one_multipart_form_and_a_larger_one_is_refused(client, make_user, login_as):
    quiz = _setup(make_user, login_as)
    url = f"/kelola/kuis/{quiz.id}/impor"
    words = "“KIM” — \\= \\{ \\} " * 340  # quotes, dashes and GIFT escapes: URL-encoding triples them
    text = "".join(f"::s{n}:: Soal {n}: {words}? {{=Samarinda ~Balikpapan ~Bontang}}\n\n" for n in range(30))
    # Sent URL-encoded (as the confirm form was), it would pass Flask's 500,000-byte form limit.
    assert len(text.encode()) < 400_000 < 500_000 < len(urlencode({"text": text}))
    page = client.post(url, data={"format": "gift", "file": (io.BytesIO(text.encode()), "bank.txt")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "30 soal terbaca, 0 masalah" in page
    assert f'action="{url}/simpan" enctype="multipart/form-data"' in page
    response = client.post(f"{url}/simpan", data={"format": "gift", "text": _hidden(page, "text")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and _count(quiz.id) == 34

    larger = (text * 3).encode()
    page = client.post(url, data={"format": "gift", "file": (io.BytesIO(larger), "bank.txt")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Teks soal lebih dari 400 KB. Pecah menjadi beberapa impor" in page and "impor/simpan" not in page
    assert _count(quiz.id) == 34
