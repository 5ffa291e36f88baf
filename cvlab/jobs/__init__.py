"""Long work as jobs: ``python -m cvlab …`` subprocesses, each writing only to its own folder."""
