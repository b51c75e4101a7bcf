"""Question pools: quiz.yaml's draw, draw_per_tag, tags and review, checked, imported, exported and drawn."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from app.catalog.coursefiles.reading import read_courses
from app.catalog.loader import import_courses
from app.catalog.services import course_with_content
from app.extensions import db
from app.progress import services as progress
from app.quizzes import pools, services
from tests.test_catalog_coursefiles import write_course

TAGS = ("pelajaran-1", "pelajaran-2", "pelajaran-3")
POOL_HEAD = """\
title: Kuis Bank Soal
pass_mark: 70
max_attempts: 3
review: always
draw: 7
draw_per_tag:
  pelajaran-1: 2
  pelajaran-2: 2
  pelajaran-3: 2
questions:
"""


def pool_yaml(per_tag: int = 4, head: str = POOL_HEAD) -> str:
    """A quiz file of per_tag true/false questions for each of three tags (q-<tag n>-<i>)."""
    lines = [head]
    for t, tag in enumerate(TAGS, start=1):
        for i in range(per_tag):
            lines.append(f"  - id: q{t}-{i}\n    tags: [{tag}]\n    type: truefalse\n    text: Pernyataan {t}.{i}?\n"
                         f"    answer: true\n    explanation: Penjelasan {t}.{i}.\n")
    return "".join(lines)


def pool_course(root: Path, text: str | None = None) -> Path:
    """A small course folder whose quiz is a pool; returns its quiz file."""
    folder = write_course(root)
    quiz_file = folder / "01-modul" / "quiz.yaml"
    quiz_file.write_text(text if text is not None else pool_yaml(), encoding="utf-8")
    return quiz_file


def test_a_pool_file_is_read_with_its_draw_tags_and_review(tmp_path):
    pool_course(tmp_path)
    reading = read_courses(tmp_path)
    assert reading.ok, [str(p) for p in reading.problems]
    quiz = reading.courses[0].modules[0].quiz
    assert (quiz.review, quiz.draw, quiz.draw_per_tag) == ("always", 7, dict.fromkeys(TAGS, 2))
    assert len(quiz.questions) == 12 and quiz.questions[0].tags == ["pelajaran-1"]


def test_without_the_new_keys_a_quiz_asks_everything_and_reviews_after_passing(tmp_path):
    reading = read_courses(write_course(tmp_path))
    quiz = reading.courses[0].modules[0].quiz
    assert (quiz.review, quiz.draw, quiz.draw_per_tag) == ("after_pass", None, {})
    assert all(question.tags == [] for question in quiz.questions)


# (case, old text in pool_yaml(), new text, expected key in the message, expected words)
BROKEN_POOLS = [
    ("draw zero", "draw: 7", "draw: 0", "draw", "bilangan bulat lebih dari 0"),
    ("draw above the questions", "draw: 7", "draw: 13", "draw", "antara 1 dan 12 (jumlah soal kuis ini)"),
    ("draw not a number", "draw: 7", "draw: tujuh", "draw", "bilangan bulat"),
    ("per tag over draw", "pelajaran-3: 2", "pelajaran-3: 4", "draw_per_tag", "jumlahnya 8, lebih dari draw (7)"),
    ("tag with too few questions", "  pelajaran-3: 2\n", "  pelajaran-3: 2\n  pelajaran-9: 1\n",
     "draw_per_tag.pelajaran-9", "hanya 0 soal memakai tag itu"),
    ("per tag without draw", "draw: 7\n", "", "draw_per_tag", "hanya berlaku bersama draw"),
    ("per tag zero", "pelajaran-1: 2", "pelajaran-1: 0", "draw_per_tag.pelajaran-1", "lebih dari 0"),
    ("per tag not a mapping", "draw_per_tag:\n  pelajaran-1: 2\n  pelajaran-2: 2\n  pelajaran-3: 2\n",
     "draw_per_tag: [pelajaran-1]\n", "draw_per_tag", "pemetaan tag: jumlah"),
    ("bad tag", "tags: [pelajaran-1]", "tags: [Pelajaran Satu]", "questions[0].tags[0]", "tag harus slug"),
    ("tag twice", "tags: [pelajaran-1]", "tags: [pelajaran-1, pelajaran-1]", "questions[0].tags[1]", "ditulis dua kali"),
    ("tags not a list", "tags: [pelajaran-1]", "tags: pelajaran-1", "questions[0].tags", "daftar tag"),
    ("unknown review", "review: always", "review: kadang", "review", "after_pass, always, never"),
    ("points not a number", "    type: truefalse\n", "    type: truefalse\n    points: .nan\n", "questions[0].points",
     "bukan .nan atau .inf"),
    ("points infinite", "    type: truefalse\n", "    type: truefalse\n    points: .inf\n", "questions[0].points",
     "bukan .nan atau .inf"),
    ("points negative", "    type: truefalse\n", "    type: truefalse\n    points: -1\n", "questions[0].points",
     "lebih dari 0"),
]


@pytest.mark.parametrize("case, old, new, key, words", BROKEN_POOLS, ids=[case[0] for case in BROKEN_POOLS])
def test_a_pool_that_does_not_fit_is_refused_with_a_clear_message(tmp_path, case, old, new, key, words):
    text = pool_yaml()
    assert old in text
    quiz_file = pool_course(tmp_path, text.replace(old, new, 1))
    reading = read_courses(tmp_path)
    messages = [str(problem) for problem in reading.problems]
    assert not reading.courses
    assert any(message.startswith(f"{quiz_file}:") and key in message and words in message for message in messages), messages


def test_pool_settings_survive_import_and_export(app, runner, tmp_path):
    pool_course(tmp_path / "asal")
    reading = read_courses(tmp_path / "asal")
    import_courses(reading.courses)
    db.session.commit()
    quiz = course_with_content("kursus-uji").modules[0].quiz
    assert (quiz.review, quiz.draw, quiz.draw_per_tag) == ("always", 7, dict.fromkeys(TAGS, 2))
    assert quiz.questions[11].tags == ["pelajaran-3"]
    result = runner.invoke(args=["courses", "export", "kursus-uji", str(tmp_path / "keluar")])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "keluar" / "kursus-uji" / "01-modul" / "quiz.yaml").read_text(encoding="utf-8")
    assert "review: always\ndraw: 7\ndraw_per_tag:\n  pelajaran-1: 2\n" in written
    assert "- id: q1-0\n    tags:\n      - pelajaran-1\n    type: truefalse\n" in written
    again = read_courses(tmp_path / "keluar")
    assert again.ok and again.courses[0].modules[0].quiz == reading.courses[0].modules[0].quiz


def _tags_of(item: str) -> tuple[str, ...]:
    return (item.split(":")[0],)


def test_two_thousand_draws_ask_every_question_about_equally_often_and_respect_draw_and_tags():
    items = [f"{tag}:{i}" for tag in TAGS for i in range(4)] + ["bebas:0", "bebas:1"]
    rng = random.Random(2023)
    seen: Counter = Counter()
    for _ in range(2000):
        drawn = pools.draw_questions(items, _tags_of, 7, dict.fromkeys(TAGS, 2), rng)
        assert len(drawn) == len(set(drawn)) == 7
        per_tag = Counter(_tags_of(item)[0] for item in drawn)
        assert all(per_tag[tag] >= 2 for tag in TAGS), per_tag
        seen.update(drawn)
    # The tags take 6 of the 7, two of four each (1/2); the seventh is any of the 8 left:
    # each tagged question 1/2 + 1/2 * 1/8, each untagged one 1/8.
    for item in items:
        expected = 2000 * (1 / 8 if item.startswith("bebas") else 1 / 2 + 1 / 16)
        assert abs(seen[item] - expected) < 0.15 * expected, (item, seen[item], expected)


def test_without_tags_every_question_is_drawn_equally_often():
    items = list(range(12))
    rng = random.Random(14)
    seen = Counter(item for _ in range(2000) for item in pools.draw_questions(items, lambda i: (), 7, {}, rng))
    assert sum(seen.values()) == 2000 * 7
    assert max(seen.values()) - min(seen.values()) < 0.15 * 2000 * 7 / 12, seen


def test_a_question_with_two_tags_counts_for_both_and_settings_that_no_longer_fit_draw_what_there_is():
    items = ["a+b", "a", "b", "c"]
    tags = {"a+b": ("a", "b"), "a": ("a",), "b": ("b",), "c": ()}
    for seed in range(50):
        drawn = pools.draw_questions(items, tags.get, 2, {"a": 1, "b": 1}, random.Random(seed))
        assert any("a" in tags[i] for i in drawn) and any("b" in tags[i] for i in drawn)
    assert len(pools.draw_questions(items, tags.get, 3, {"z": 2}, random.Random(1))) == 3


def test_each_attempt_stores_its_own_draw_and_two_attempts_differ(app, tmp_path, make_user):
    pool_course(tmp_path)
    import_courses(read_courses(tmp_path).courses)
    db.session.commit()
    quiz = course_with_content("kursus-uji").modules[0].quiz
    trainee = make_user()
    progress.enroll(trainee, quiz.module.course)
    first = services.start_attempt(trainee, quiz)
    services.submit_attempt(first, {})
    second = services.start_attempt(trainee, quiz)
    db.session.commit()
    drawn = [[entry["question"] for entry in attempt.layout] for attempt in (first, second)]
    assert [len(ids) for ids in drawn] == [7, 7]
    assert set(drawn[0]) != set(drawn[1]) or drawn[0] != drawn[1]
    assert len(services.attempt_questions(second)) == 7
    assert first.max_score == 7  # graded on the questions it asked, not on the whole pool
    standing = services.quiz_standing(trainee, quiz)
    assert (standing.asked, standing.question_count) == (7, 12)
