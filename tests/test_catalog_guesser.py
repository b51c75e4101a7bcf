"""A test-wise guesser, who has read none of the lessons, fails every quiz of the courses in courses/.

The guesser answers from the surface cues a hurried reader uses, never from the content:
- single answer: the longest option among those without an absolute or a careless-sounding word;
- multiple answers: every option that sounds like good practice (no absolute, nothing careless);
- true/false: "Salah" when the statement holds an absolute, otherwise "Benar";
- short answer: a term copied from the question or the module title, when that term is accepted.
Its expected score on a quiz is the mean over many attempts drawn with the site's own draw.
"""
from __future__ import annotations

import random
import re
import statistics
from pathlib import Path

import pytest

from app.catalog.coursefiles.content import FolderChoice, FolderCourse, FolderModule, FolderQuestion, FolderQuiz
from app.catalog.coursefiles.reading import read_courses
from app.catalog.cues import option_length, words
from app.quizzes.grading import FALSE_KEY, TRUE_KEY, GradableQuestion, grade
from app.quizzes.pools import draw_questions

COURSES = Path(__file__).resolve().parents[1] / "courses"
DRAWS = 1000  # attempts drawn per quiz: the standard error of the mean stays under half a point
ABSOLUTE = re.compile(
    r"\b(pasti|selalu|semua|seluruh|setiap|satu-satunya|hanya|harus|wajib|mutlak|sama sekali|sepenuhnya|tidak pernah"
    r"|tak pernah|tidak ada|apa pun|siapa pun|mana pun|tanpa kecuali|mustahil|cukup)(lah|nya|pun)?\b", re.IGNORECASE)
# Words that make an option sound like poor practice to a reader who judges by tone alone.
CARELESS = re.compile(
    r"\b(tanpa|langsung|sendiri|sekadar|semata|belakangan|abaikan|mengabaikan|hapus|menghapus|dihapus|hilang"
    r"|menghilang|diam|diam-diam|membiarkan|dibiarkan|menunggu|menolak|menyalahkan|melarang|menutup|mengeluarkan"
    r"|sembarang|asal|dugaan|menebak|perkiraan|sensor|penyensoran|pribadi|peringkat|meski|meskipun"
    r"|sebanyak mungkin|bergengsi|populer|terbanyak)\b", re.IGNORECASE)


def _sounds_right(text: str) -> bool:
    return not ABSOLUTE.search(text) and not CARELESS.search(text)


def _gradable(question: FolderQuestion) -> GradableQuestion:
    return GradableQuestion(question.type, question.points, frozenset(c.key for c in question.choices if c.correct),
                            tuple(c.key for c in question.choices), tuple(question.accepted), question.scoring)


def _answers(question: FolderQuestion, module_title: str) -> list[list[str]]:
    """The guesser's answer sheets for a question, each equally likely (ties between longest options)."""
    if question.type == "truefalse":
        return [[FALSE_KEY if ABSOLUTE.search(question.text) else TRUE_KEY]]
    if question.type == "short":
        stem = f" {' '.join(words(question.text + ' ' + module_title))} "
        copied = [answer for answer in question.accepted if f" {' '.join(words(answer))} " in stem]
        return [copied[:1]]
    if question.type == "multiple":
        ticked = [c.key for c in question.choices if _sounds_right(c.text)]
        return [ticked or [max(question.choices, key=lambda c: option_length(c.text)).key]]
    candidates = ([c for c in question.choices if _sounds_right(c.text)]
                  or [c for c in question.choices if not ABSOLUTE.search(c.text)] or question.choices)
    longest = max(option_length(c.text) for c in candidates)
    return [[c.key] for c in candidates if option_length(c.text) == longest]


def guessed_share(question: FolderQuestion, module_title: str) -> float:
    """The guesser's expected share of the question's points."""
    sheets = _answers(question, module_title)
    return statistics.mean(grade(_gradable(question), sheet).score for sheet in sheets) / question.points


def expected_score(module: FolderModule, seed: int) -> tuple[float, float, float]:
    """(mean percent, its standard error, share of attempts passed) of the guesser over DRAWS drawn attempts."""
    quiz = module.quiz
    earned = {id(q): guessed_share(q, module.title) * q.points for q in quiz.questions}
    rng = random.Random(seed)
    scores = []
    for _ in range(DRAWS):
        asked = draw_questions(quiz.questions, lambda q: q.tags, quiz.draw, quiz.draw_per_tag, rng)
        scores.append(100 * sum(earned[id(q)] for q in asked) / sum(q.points for q in asked))
    return statistics.mean(scores), statistics.stdev(scores) / DRAWS ** 0.5, sum(s >= quiz.pass_mark for s in scores) / DRAWS


def _modules() -> list[tuple[str, FolderModule]]:
    reading = read_courses(COURSES)
    assert reading.ok, [str(problem) for problem in reading.problems]
    return [(f"{course.slug}/{module.slug}", module) for course in reading.courses for module in course.modules]


@pytest.mark.parametrize("where, module", _modules(), ids=lambda value: value if isinstance(value, str) else "")
def test_the_guesser_is_expected_to_fail_every_quiz(where, module):
    mean, error, passed = expected_score(module, seed=sum(map(ord, where)))
    assert mean + 4 * error < module.quiz.pass_mark, f"{where}: the guesser scores {mean:.1f}% on average"


def _cued_quiz() -> FolderModule:
    """A quiz written the way the old ones were: the right answer is the one that sounds right."""
    def single(key: str, right: str, *wrong: str) -> FolderQuestion:
        choices = [FolderChoice("0", right, True)] + [FolderChoice(str(i), text) for i, text in enumerate(wrong, 1)]
        return FolderQuestion(key, "single", "Langkah mana yang paling tepat?", choices=choices)

    def truefalse(key: str, text: str, answer: bool) -> FolderQuestion:
        return FolderQuestion(key, "truefalse", text, choices=[FolderChoice(TRUE_KEY, "Benar", answer),
                                                                  FolderChoice(FALSE_KEY, "Salah", not answer)])
    questions = [
        single("a", "Memeriksa kabar itu ke kantor desa, lalu menjelaskannya di grup warga.",
               "Meneruskannya ke grup lain.", "Mengabaikannya.", "Langsung membantahnya."),
        single("b", "Mencatat keluhan, meneruskannya, dan melaporkan kembali tanggapannya.",
               "Menjanjikan masalahnya pasti selesai.", "Menghapus komentar itu.", "Diam saja."),
        FolderQuestion("c", "multiple", "Mana yang tepat?", choices=[
            FolderChoice("0", "Mencatat keluhan dengan kata-kata warga", True),
            FolderChoice("1", "Meneruskan keluhan lewat pendamping", True),
            FolderChoice("2", "Menyebut nama warga tanpa izinnya"), FolderChoice("3", "Menjanjikan hasil yang pasti")]),
        truefalse("d", "Setiap isu di grup warga pasti kabar bohong.", False),
        truefalse("e", "KIM berada di tengah warga dan dapat mendengar percakapan lebih awal.", True),
        FolderQuestion("f", "short", "Komunikasi, koordinasi, dan apa?", accepted=["kolaborasi"]),
    ]
    return FolderModule("m", "Kolaborasi antar-Diskominfo", quiz=FolderQuiz("Kuis", questions=questions))


def test_the_guesser_passes_a_quiz_whose_answers_sound_right():
    # Without this the test above could pass because the guesser is weak, not because the quizzes are sound.
    mean, _, passed = expected_score(_cued_quiz(), seed=1)
    assert mean == 100 and passed == 1


def test_the_guesser_scores_ties_and_partial_credit_as_expected():
    ties = FolderQuestion("t", "single", "?", choices=[FolderChoice("0", "Satu", True), FolderChoice("1", "Dua!")])
    assert guessed_share(ties, "") == 0.5  # two options of equal length: a coin toss
    partial = FolderQuestion("p", "multiple", "?", choices=[
        FolderChoice("0", "Mencatat", True), FolderChoice("1", "Meneruskan", True), FolderChoice("2", "Merangkum")])
    assert guessed_share(partial, "") == 0  # both right ones ticked, and the only wrong one: 2/2 - 1/1
    assert not guessed_share(FolderQuestion("s", "short", "Apa istilahnya?", accepted=["verifikasi"]), "Isu")
