"""This machine, described once: host, CPU model and cores, GPUs, the load average at the
moment of asking, and a stable key (for results stored per machine). No TensorFlow."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path


def machine() -> dict:
    """``host``, ``cpu``, ``cores``, ``gpus`` (NVIDIA models, from the driver), ``key``
    (the same for the same hardware and host) and ``load_average`` (how much else was
    running: timings on a shared machine are slower than on an idle one)."""
    host = platform.node() or "unknown"
    described = {"host": host, "cpu": cpu_model(), "cores": os.cpu_count() or 1,
                 "gpus": _gpus()}
    digest = hashlib.sha1(json.dumps(described, sort_keys=True).encode()).hexdigest()[:10]
    safe_host = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in host)[:40]
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load = None
    return {**described, "key": f"{safe_host}-{digest}", "load_average": load,
            "python": platform.python_version()}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpus() -> list[str]:
    gpus = []
    for info in sorted(Path("/proc/driver/nvidia/gpus").glob("*/information")):
        try:
            gpus += [line.split(":", 1)[1].strip() for line in info.read_text().splitlines()
                     if line.startswith("Model")]
        except OSError:
            continue
    return gpus
