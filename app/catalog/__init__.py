"""Catalog: courses, modules and lessons, and the courses/ folder loader."""
