"""Completion of modules and courses after lessons and passed quizzes, and the best-score average."""
from __future__ import annotations

from app.accounts.models import User
from app.catalog.models import Status
from app.extensions import db, utcnow
from app.progress import services
from app.progress.models import Certificate, ModuleCompletion
from app.quizzes.models import Attempt, AttemptStatus, Quiz
from tests.factories import make_course


def submit_attempt(user: User, quiz: Quiz, percent: float, passed: bool) -> Attempt:
    """Record a graded attempt as the quiz engine does, then tell the progress services."""
    number = db.session.scalar(db.select(db.func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)) + 1
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=number, status=AttemptStatus.SUBMITTED,
                      submitted_at=utcnow(), score=percent, max_score=100.0, percent=percent, passed=passed)
    db.session.add(attempt)
    db.session.flush()
    services.after_quiz_submitted(user, quiz, attempt)
    db.session.commit()
    return attempt


def complete_lessons(user: User, course, module_index: int) -> None:
    """Mark every lesson of one module complete."""
    for lesson in course.modules[module_index].lessons:
        services.mark_lesson_complete(user, course, lesson)
    db.session.commit()


def completed_module_ids(user: User) -> set[int]:
    """The modules the user completed."""
    return set(db.session.scalars(db.select(ModuleCompletion.module_id).where(ModuleCompletion.user_id == user.id)))


def test_module_completes_after_lessons_and_a_passed_attempt(make_user):
    trainee = make_user()
    course = make_course(modules=2, lessons=2)
    services.enroll(trainee, course)
    complete_lessons(trainee, course, 0)
    assert completed_module_ids(trainee) == set()  # the quiz is still to pass
    submit_attempt(trainee, course.modules[0].quiz, percent=50, passed=False)
    assert completed_module_ids(trainee) == set()
    submit_attempt(trainee, course.modules[0].quiz, percent=75, passed=True)
    assert completed_module_ids(trainee) == {course.modules[0].id}
    completion = db.session.scalar(db.select(ModuleCompletion))
    assert completion.completed_at is not None


def test_passing_the_quiz_first_completes_the_module_with_the_last_lesson(make_user):
    trainee = make_user()
    course = make_course(modules=1, lessons=2)
    services.enroll(trainee, course)
    submit_attempt(trainee, course.modules[0].quiz, percent=100, passed=True)
    services.mark_lesson_complete(trainee, course, course.modules[0].lessons[0])
    assert completed_module_ids(trainee) == set()
    result = services.mark_lesson_complete(trainee, course, course.modules[0].lessons[1])
    assert [m.id for m in result.modules] == [course.modules[0].id]


def test_module_without_quiz_completes_with_its_lessons(make_user):
    trainee = make_user()
    course = make_course(modules=1, lessons=2, with_quiz=False)
    services.enroll(trainee, course)
    complete_lessons(trainee, course, 0)
    enrollment = services.get_enrollment(trainee.id, course.id)
    assert completed_module_ids(trainee) == {course.modules[0].id}
    assert enrollment.completed_at is not None


def test_course_completes_and_issues_one_certificate(make_user):
    trainee = make_user()
    course = make_course(modules=2, lessons=1)
    services.enroll(trainee, course)
    for index, module in enumerate(course.modules):
        complete_lessons(trainee, course, index)
        assert services.get_enrollment(trainee.id, course.id).completed_at is None
        submit_attempt(trainee, module.quiz, percent=90, passed=True)
    enrollment = services.get_enrollment(trainee.id, course.id)
    assert enrollment.completed_at is not None
    certificate = db.session.scalar(db.select(Certificate))
    assert certificate.user_id == trainee.id and certificate.completed_at == enrollment.completed_at
    # Another passed attempt afterwards changes nothing.
    submit_attempt(trainee, course.modules[1].quiz, percent=100, passed=True)
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1
    assert services.get_enrollment(trainee.id, course.id).completed_at == enrollment.completed_at


def test_draft_modules_and_lessons_do_not_block_completion(make_user):
    trainee = make_user()
    course = make_course(modules=2, lessons=2)
    course.modules[1].status = Status.DRAFT
    course.modules[0].lessons[1].status = Status.DRAFT
    db.session.commit()
    services.enroll(trainee, course)
    services.mark_lesson_complete(trainee, course, course.modules[0].lessons[0])
    submit_attempt(trainee, course.modules[0].quiz, percent=80, passed=True)
    assert services.get_enrollment(trainee.id, course.id).completed_at is not None


def test_best_score_is_the_average_of_best_percent_per_attempted_quiz(make_user):
    trainee = make_user()
    course = make_course(modules=3, lessons=1, sequential=False)
    services.enroll(trainee, course)
    first, second, _third = (m.quiz for m in course.modules)
    submit_attempt(trainee, first, percent=40, passed=False)
    assert services.get_enrollment(trainee.id, course.id).best_score_percent == 40
    submit_attempt(trainee, first, percent=80, passed=True)
    submit_attempt(trainee, first, percent=60, passed=False)
    submit_attempt(trainee, second, percent=100, passed=True)
    enrollment = services.get_enrollment(trainee.id, course.id)
    assert enrollment.best_score_percent == 90  # (80 + 100) / 2; the unattempted quiz does not count
    assert enrollment.last_activity_at is not None


def test_open_attempts_and_other_trainees_do_not_count(make_user):
    trainee, other = make_user(), make_user()
    course = make_course(modules=1, lessons=1)
    services.enroll(trainee, course)
    services.enroll(other, course)
    quiz = course.modules[0].quiz
    db.session.add(Attempt(quiz_id=quiz.id, user_id=trainee.id, number=1, status=AttemptStatus.OPEN))
    db.session.commit()
    submit_attempt(other, quiz, percent=100, passed=True)
    submit_attempt(trainee, quiz, percent=50, passed=False)
    assert services.get_enrollment(trainee.id, course.id).best_score_percent == 50


def test_attempt_without_enrolment_changes_nothing(make_user):
    trainee = make_user()
    course = make_course(modules=1, lessons=1)
    submit_attempt(trainee, course.modules[0].quiz, percent=100, passed=True)
    assert completed_module_ids(trainee) == set()
    assert services.get_enrollment(trainee.id, course.id) is None
