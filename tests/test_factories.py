"""The content factory builds what the other tests rely on."""
from app.catalog.models import Lesson
from app.extensions import db
from tests.factories import make_course


def test_make_course_builds_modules_lessons_and_quizzes(app):
    course = make_course(modules=3, lessons=2)
    assert [m.position for m in course.modules] == [0, 1, 2]
    assert db.session.scalar(db.select(db.func.count()).select_from(Lesson)) == 6
    assert {q.type for q in course.modules[0].quiz.questions} == {"single", "multiple", "truefalse", "short"}
