"""Questions with Moodle's weights in the editor, the import, the download and a trainee's result."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from app.accounts.models import Role
from app.authoring import revisions
from app.authoring.qformats import parse_gift
from app.authoring.services import imported_question
from app.catalog.coursefiles.reading import read_courses
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes.models import Attempt
from tests.factories import make_course
from tests.test_authoring_import import _hidden
from tests.test_catalog_loader import COURSES, run
from tests.test_question_formats import _comparable, _read_moodle_xml
from tests.test_quizzes_attempts import sheet, start

WEIGHTED_GIFT = """\
// [tag:pelajaran-1]
::ibu-kota::Ibu kota Kalimantan Timur? {
=Samarinda
~%50%Nusantara#Ibu kota negara, bukan provinsi.
~Balikpapan
####Samarinda ibu kota provinsi.
}

::peran::Mana saja peran KIM? {
~%50%Menyebarkan informasi
~%-100%Memungut pajak#Bukan tugas KIM.
~%50%Menyerap aspirasi
~%-100%Menjual pulsa
}

::hewan::Hewan khas Sungai Mahakam? {
=Pesut Mahakam
=%50%Lumba-lumba#Hampir: pesut memang sejenis lumba-lumba.
=%0%*#Bukan.
}
"""


def _snapshots(quiz) -> list[dict]:
    """Each question as the revision history keeps it, without its key and choice keys."""
    found = []
    for question in revisions.snapshot(revisions.QUIZ, quiz)["questions"]:
        question = dict(question)
        question.pop("key")
        question["choices"] = [{k: v for k, v in choice.items() if k != "key"} for choice in question["choices"]]
        found.append(question)
    return found


def test_questions_with_weights_go_out_as_gift_and_moodle_xml_and_come_back_identical(client, make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(owners=[trainer], modules=2)
    source, target = course.modules[0].quiz, course.modules[1].quiz
    login_as(trainer)

    page = client.post(f"/kelola/kuis/{source.id}/impor", data={"format": "gift", "text": WEIGHTED_GIFT}).get_data(as_text=True)
    assert "3 soal terbaca, 0 masalah" in page
    assert "nilai 50%" in page and "nilai -100%" in page and "Hampir: pesut" in page  # weights shown before saving
    client.post(f"/kelola/kuis/{source.id}/impor/simpan", data={"format": "gift", "text": _hidden(page, "text")})
    quiz_page = client.get(f"/kelola/kuis/{source.id}").get_data(as_text=True)
    assert "nilai 50%" in quiz_page and "Unduh soal untuk Moodle" in quiz_page

    response = client.get(f"/kelola/kuis/{source.id}/soal.gift")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "attachment" in response.headers["Content-Disposition"]
    gift = response.get_data(as_text=True)
    assert "\t~%50%Nusantara#Ibu kota negara, bukan provinsi.\n" in gift and "\t=%0%*#Bukan.\n" in gift

    # The downloaded file, imported into another quiz, gives the same questions back.
    before = len(target.questions)
    page = client.post(f"/kelola/kuis/{target.id}/impor", data={"format": "gift", "text": gift}).get_data(as_text=True)
    client.post(f"/kelola/kuis/{target.id}/impor/simpan", data={"format": "gift", "text": _hidden(page, "text")})
    db.session.expire_all()
    assert _snapshots(target)[before:] == _snapshots(source)

    xml = client.get(f"/kelola/kuis/{source.id}/soal.moodlexml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    root = ET.fromstring(xml.get_data())
    assert [answer.get("fraction") for answer in root[-2].findall("answer")] == ["50", "-100", "50", "-100"]


def test_only_the_courses_trainers_download_its_questions(client, make_user, login_as):
    owner, other = make_user(Role.TRAINER, "64"), make_user(Role.TRAINER, "64")
    course = make_course(owners=[owner], modules=1)
    login_as(other)
    for fmt in ("gift", "moodlexml"):
        assert client.get(f"/kelola/kuis/{course.modules[0].quiz.id}/soal.{fmt}").status_code in (403, 404)
    trainee = make_user()
    login_as(trainee)
    assert client.get(f"/kelola/kuis/{course.modules[0].quiz.id}/soal.gift").status_code in (302, 403, 404)


def test_the_editor_shows_and_keeps_weights_and_answer_feedback(client, make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(owners=[trainer], modules=1)
    quiz = course.modules[0].quiz
    login_as(trainer)
    page = client.post(f"/kelola/kuis/{quiz.id}/impor", data={"format": "gift", "text": WEIGHTED_GIFT}).get_data(as_text=True)
    client.post(f"/kelola/kuis/{quiz.id}/impor/simpan", data={"format": "gift", "text": _hidden(page, "text")})
    db.session.expire_all()
    single, multiple, short = quiz.questions[-3:]
    before = _snapshots(quiz)

    form = client.get(f"/kelola/soal/{short.id}").get_data(as_text=True)
    assert "%50%Lumba-lumba # Hampir: pesut memang sejenis lumba-lumba." in form
    data = {"type": "short", "text": short.text, "explanation": "Pesut Mahakam hanya hidup di Mahakam.",
            "key": short.key, "points": "1", "scoring": "partial", "tags": "",
            "accepted": "Pesut Mahakam\n%50%Lumba-lumba # Hampir: pesut memang sejenis lumba-lumba.\n%0%* # Bukan."}
    assert client.post(f"/kelola/soal/{short.id}", data=data).status_code == 302
    data = {"type": "multiple", "text": multiple.text, "explanation": "Peran KIM.", "key": multiple.key, "points": "1",
            "scoring": "partial", "tags": "",
            **{f"choices-{i}-{name}": value for i, choice in enumerate(multiple.choices)
               for name, value in (("key", choice.key), ("text", choice.text), ("feedback", choice.feedback),
                                   ("weight", f"{choice.weight:g}"))}}
    form = client.get(f"/kelola/soal/{multiple.id}").get_data(as_text=True)
    assert 'value="-100"' in form and 'value="50"' in form
    assert client.post(f"/kelola/soal/{multiple.id}", data=data).status_code == 302
    db.session.expire_all()
    after = _snapshots(quiz)
    assert [(c["text"], c["weight"], c["correct"]) for c in after[-2]["choices"]] == [
        (c["text"], c["weight"], c["correct"]) for c in before[-2]["choices"]]
    assert after[-1]["accepted_weights"] == [100, 50, 0]
    assert after[-1]["accepted_feedback"] == ["", "Hampir: pesut memang sejenis lumba-lumba.", "Bukan."]

    # Weights that Moodle's editor would refuse are refused here too, and nothing changes.
    data["choices-1-weight"] = "-50"
    data["choices-0-weight"] = "30"
    page = client.post(f"/kelola/soal/{multiple.id}", data=data).get_data(as_text=True)
    assert "bobot positif soal banyak jawaban harus berjumlah 100%, bukan 80%" in page
    db.session.expire_all()
    assert _snapshots(quiz) == after


def test_a_trainee_gets_part_of_the_points_and_the_feedback_of_the_answer_typed(client, make_user, login_as):
    course = make_course(modules=1, max_attempts=1)
    quiz = course.modules[0].quiz
    single = next(question for question in quiz.questions if question.type == "single")
    for choice, weight in zip(single.choices, (50.0, 100.0, 0.0)):
        choice.weight = weight
    short = next(question for question in quiz.questions if question.type == "short")
    short.accepted = ["Kelompok Informasi Masyarakat", "KIM"]
    short.accepted_weights, short.accepted_feedback = [100, 50], ["", "Itu singkatannya; tulis kepanjangannya."]
    trainee = make_user()
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    login_as(trainee)

    attempt_id = start(client, quiz)
    answers = {"single": ["0"], "multi": ["0", "2"], "tf": ["true"], "short": ["kim"]}
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, answers))
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.score, attempt.max_score) == (3.0, 4.0)  # half of the single, half of the short
    page = client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)
    assert page.count("Sebagian benar") == 2
    assert "Itu singkatannya; tulis kepanjangannya." in page
    assert "<p>Kelompok Informasi Masyarakat</p>" in page  # the right answer, without the half-right one


def test_flask_courses_export_writes_each_quiz_as_gift_and_moodle_xml_that_read_back_identical(runner, tmp_path):
    run(runner, "import", COURSES)
    for fmt in ("gift", "moodlexml"):
        result = run(runner, "export", "pemberdayaan-kim", tmp_path / fmt, "--questions", fmt)
        assert "masalah" not in result.output
    run(runner, "check", tmp_path / "gift")  # the question files beside quiz.yaml disturb nothing
    quizzes = [module for module in read_courses(COURSES / "pemberdayaan-kim").courses[0].modules if module.quiz]
    assert quizzes
    for module in quizzes:
        folder = Path("pemberdayaan-kim") / module.slug
        gift = parse_gift((tmp_path / "gift" / folder / "questions.gift.txt").read_text(encoding="utf-8"))
        assert gift.errors == []
        expected = [_comparable(question) for question in module.quiz.questions]
        assert [_comparable(imported_question(spec)) for spec in gift.questions] == expected
        xml = _read_moodle_xml((tmp_path / "moodlexml" / folder / "questions.moodle.xml").read_bytes())
        assert [_comparable(imported_question(spec)) for spec in xml] == expected
