"""Where training runs: CPU or GPUs, the dtype policy and the distribution strategy.

* GPU: ``mixed_float16`` (float16 compute, float32 variables; the classifier's output
  layer is pinned to float32 so softmax and loss stay exact) and, with several GPUs,
  ``tf.distribute.MirroredStrategy`` (the batch size is the global batch).
* CPU: float32 and the default strategy. XLA (``jit_compile``) is never enabled: on
  CPU it compiles slowly and ran ~30× slower in this project's measurements.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from cvlab import lazy_tf


@dataclass(frozen=True)
class Device:
    """``name`` is ``"CPU"`` or ``"GPU: <model> ×N"``; ``policy`` is the Keras dtype policy."""

    name: str
    gpus: int
    policy: str

    @property
    def mixed(self) -> bool:
        return self.policy == "mixed_float16"


def detect() -> Device:
    """The device training will use (all visible GPUs, else the CPU)."""
    tf = lazy_tf.tf()
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return Device("CPU", 0, "float32")
    details = tf.config.experimental.get_device_details(gpus[0])
    return Device(f"GPU: {details.get('device_name', 'unknown')} ×{len(gpus)}", len(gpus),
                  "mixed_float16")


def strategy(device: Device):
    """MirroredStrategy over several GPUs, else TensorFlow's default strategy."""
    tf = lazy_tf.tf()
    return tf.distribute.MirroredStrategy() if device.gpus > 1 else tf.distribute.get_strategy()


@contextlib.contextmanager
def dtype_policy(name: str):
    """Build layers under Keras dtype policy ``name``, restoring the previous one after."""
    mixed_precision = lazy_tf.keras().mixed_precision
    previous = mixed_precision.global_policy().name
    mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        mixed_precision.set_global_policy(previous)
