"""Incremental builds: what a build may reuse from the previous build of the same output."""
