"""Progress events (enrolled, lesson and course completed, certificate issued) that a higher layer (app/xapi) records.

Progress cannot call a layer above it; sending a signal keeps the layers pointing one way (the quiz
engine sends its own, attempt_started and attempt_graded, from app/quizzes/services.py). create_app
connects the receivers. They run inside the sender's transaction and only add to the session; every
signal is sent with the app as sender and the objects of the event as keyword arguments.
"""
from __future__ import annotations

from app.signals import Signal

#: user, course (Course or CourseView), at: a trainee enrolled (or was enrolled) in a course
enrolled = Signal("enrolled")
#: user, lesson (LessonView), at: a lesson marked complete for the first time
lesson_completed = Signal("lesson-completed")
#: user, course (CourseView), at: every module of a course is complete
course_completed = Signal("course-completed")
#: user, course, certificate: a certificate was issued for the first time
certificate_issued = Signal("certificate-issued")
