"""Coordinator reports: regency dashboard, rosters, exports and bulk enrolment."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
