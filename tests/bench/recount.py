"""What a change to what a course counts costs: the recount of every enrolment of the course, inside one process.

    python -m tests.bench.recount [--trainees 10000] [--workdir DIR] [--runs 3]

Publishing, unpublishing, adding or retiring a lesson, a module or a quiz makes the request that
does it recount every enrolment of the course (app/progress/figures.py). This measures that
recount per course, forced and rolled back, in process CPU time (steady on a busy shared machine)
and wall time. "Berubah" counts the enrolments whose stored figures the recount corrected: on the
generated data it must be 0, since the generator writes the figures the app would.
"""
from __future__ import annotations

import argparse
import time

from sqlalchemy import func, select

from app.catalog.models import Course
from app.extensions import db
from app.progress import figures
from app.progress.models import Enrollment
from tests.bench import datagen
from tests.bench.inprocess import _dataset


def measure(course_id: int, runs: int) -> tuple[float, float, int]:
    """The fastest of `runs` forced recounts of the course: CPU seconds, wall seconds, enrolments changed."""
    best_cpu, best_wall, changed = float("inf"), float("inf"), 0
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        changed = figures.recount_course(course_id, force=True)
        best_cpu, best_wall = min(best_cpu, time.process_time() - cpu), min(best_wall, time.perf_counter() - wall)
        db.session.rollback()
    return best_cpu, best_wall, changed


def main() -> None:
    """Build (or reuse) a bench database and print one row per course."""
    parser = argparse.ArgumentParser(description="Biaya hitung ulang angka pendaftaran satu kursus, di dalam satu proses.")
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--workdir", help="folder data yang dibuat sebelumnya (dataset.json); bila tidak ada, dibuat")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    dataset = _dataset(args)
    app = datagen.bench_app(dataset.database_url, dataset.secret_key)
    print(f"\n{dataset.trainees:,} peserta, {dataset.backend}\n")
    print("| kursus | pendaftaran | CPU s | waktu s | berubah |\n|---|---|---|---|---|")
    with app.app_context():
        for course_id, slug in db.session.execute(select(Course.id, Course.slug).order_by(Course.slug)).all():
            enrolled = db.session.scalar(select(func.count()).select_from(Enrollment)
                                         .where(Enrollment.course_id == course_id))
            cpu, wall, changed = measure(course_id, args.runs)
            print(f"| {slug} | {enrolled:,} | {cpu:.2f} | {wall:.2f} | {changed} |")


if __name__ == "__main__":
    main()
