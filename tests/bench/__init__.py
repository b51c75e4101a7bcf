"""Benchmarks of Kelas KIM: `python -m tests.bench [--trainees N] [--quick]` (make bench)."""
