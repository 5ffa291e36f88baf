"""What machine a measurement ran on, stored beside its numbers."""

from __future__ import annotations


def machine() -> dict:
    """:func:`cvlab.machine.machine`, plus the device the experiment trains on and the
    TensorFlow version (imports TensorFlow)."""
    from cvlab import lazy_tf
    from cvlab.machine import machine as described
    from cvlab.train.device import detect

    return {**described(), "device": detect().name, "tensorflow": lazy_tf.tf().__version__}
