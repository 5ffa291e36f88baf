"""Lazy, quiet TensorFlow / Keras import.

Call :func:`keras` or :func:`tf` inside functions that run a model; never at
module import time. The first call silences TensorFlow's C++ and Python log
noise (oneDNN notices, CUDA probing) unless ``CVLAB_TF_VERBOSE`` is set.
"""

from __future__ import annotations

import contextlib
import functools
import os


@functools.cache
def tf():
    """Import TensorFlow once, with its start-up chatter kept off the console."""
    if not os.environ.get("CVLAB_TF_VERBOSE"):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    with _stderr_silenced():
        import tensorflow as tensorflow

    tensorflow.get_logger().setLevel("ERROR")
    return tensorflow


@functools.cache
def keras():
    """Keras 3, imported after TensorFlow so that it uses the TF backend."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    tf()
    import keras as k

    return k


@contextlib.contextmanager
def _stderr_silenced():
    """Redirect file descriptor 2 while native libraries print their banners."""
    if os.environ.get("CVLAB_TF_VERBOSE"):
        yield
        return
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
