"""Quizzes: questions, attempts and grading."""
