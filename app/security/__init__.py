"""Authentication, roles as code and row-level rules."""
