"""Progress: enrolment, completion and certificates."""
