"""Sub-commands of ``python -m cvlab``; one module each, each with ``register``."""
