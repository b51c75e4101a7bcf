"""Trainee pages: catalogue, my courses, lessons, completion and certificates."""
from flask import Blueprint

bp = Blueprint("learning", __name__)
