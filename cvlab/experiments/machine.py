"""What machine a measurement ran on, stored beside its numbers."""

from __future__ import annotations

import os
import platform


def machine() -> dict:
    """Host, CPU model and cores, load average at the start, accelerator, TensorFlow version.

    The load average says how much else was running: timings on a shared machine are
    slower than on an idle one.
    """
    from cvlab import lazy_tf
    from cvlab.train.device import detect

    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load = None
    return {"host": platform.node(), "cpu": _cpu_model(), "cores": os.cpu_count(),
            "load_average": load, "device": detect().name,
            "tensorflow": lazy_tf.tf().__version__, "python": platform.python_version()}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
