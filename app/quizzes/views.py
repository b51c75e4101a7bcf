"""Quiz attempts: start, answer, submit once, results."""
from flask import Blueprint

bp = Blueprint("quizzes", __name__)
