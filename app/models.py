"""Every model, imported in one place so that migrations and the app see the whole schema."""
from app.accounts.models import AuditEntry, Regency, Role, User
from app.catalog.models import Course, CourseFile, CourseOwner, Lesson, Module, Revision, Status
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from app.quizzes.models import Answer, Attempt, AttemptStatus, Choice, Question, Quiz
from app.reports.models import Reminder
from app.xapi.models import XapiStatement

__all__ = [
    "Answer", "Attempt", "AttemptStatus", "AuditEntry", "Certificate", "Choice", "Course", "CourseFile",
    "CourseOwner", "Enrollment", "Lesson", "LessonCompletion", "Module", "ModuleCompletion",
    "Question", "Quiz", "Regency", "Reminder", "Revision", "Role", "Status", "User", "XapiStatement",
]
