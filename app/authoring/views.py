"""The trainer's editing screens for courses, modules, lessons and quizzes."""
from flask import Blueprint

bp = Blueprint("authoring", __name__)
