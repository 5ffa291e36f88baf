"""One module per ``python -m cvlab experiment NAME``, each with ``register``."""
