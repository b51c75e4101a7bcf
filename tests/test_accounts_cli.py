"""flask users create and flask demo, both safe to run twice."""
from app.accounts.models import Role, User
from app.extensions import db


def _count():
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_users_create_twice_makes_one_account(runner):
    args = ["users", "create", "--email", "Irene@Kelaskim.example", "--name", "Irene", "--role", "coordinator", "--regency", "64", "--password", "sandi-kuat-2023"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=args)
    assert second.exit_code == 0 and "sudah ada" in second.output
    user = db.session.scalar(db.select(User))
    assert _count() == 1 and user.email == "irene@kelaskim.example" and user.is_provincial_coordinator


def test_users_create_prompts_for_password(runner):
    args = ["users", "create", "--email", "a@kelaskim.example", "--name", "A", "--role", "trainee", "--regency", "64.72"]
    result = runner.invoke(args=args, input="sandi-kuat-2023\nsandi-kuat-2023\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User)).check_password("sandi-kuat-2023")


def test_users_create_rejects_unknown_regency_and_bad_nip(runner):
    base = ["users", "create", "--email", "b@kelaskim.example", "--name", "B", "--password", "sandi-kuat-2023"]
    assert runner.invoke(args=base + ["--regency", "99.99"]).exit_code != 0
    assert runner.invoke(args=base + ["--regency", "64.01", "--nip", "123"]).exit_code != 0
    assert _count() == 0


def test_demo_twice_gives_one_account_per_role(runner):
    assert runner.invoke(args=["demo", "--trainees", "0"]).exit_code == 0
    result = runner.invoke(args=["demo", "--trainees", "0"])
    assert result.exit_code == 0 and "demo-kelaskim-2023" in result.output
    roles = db.session.execute(db.select(User.role, User.regency_id)).all()
    assert sorted(r for r, _ in roles) == sorted([Role.TRAINEE, Role.COORDINATOR, Role.COORDINATOR, Role.TRAINER, Role.ADMIN])
    mahulu = db.session.scalar(db.select(User).where(User.email == "koordinator.mahulu@kelaskim.example"))
    assert mahulu.regency.code == "64.11" and not mahulu.is_provincial_coordinator


def test_demo_fills_sample_trainees_once_and_shares_courses_with_the_trainer(runner):
    from tests.factories import make_course

    course = make_course()
    for _ in range(2):
        result = runner.invoke(args=["demo", "--trainees", "20"])
        assert result.exit_code == 0, result.output
    generated = db.session.scalar(db.select(db.func.count()).select_from(User).where(User.email.like("%@demo.kelaskim.example")))
    assert generated == 20
    trainer = db.session.scalar(db.select(User).where(User.email == "pelatih@kelaskim.example"))
    db.session.refresh(course)
    assert [owner.id for owner in course.owners] == [trainer.id]
