"""Side-by-side counts: our analytic profile, our Keras build, and keras.applications.

This is what the Explorer's "build in Keras and verify" button shows, and the
only path from the Explorer into TensorFlow.
"""

from __future__ import annotations

import time
from typing import Any

from cvlab import zoo
from cvlab.profile import profile


def compare_with_keras(name: str, **options: Any) -> dict:
    """Rows of {source, total_params, trainable_params, macs, layers, seconds}.

    Models get random weights; nothing downloads.
    """
    from cvlab.keras.build import build_model
    from cvlab.keras.counts import keras_application, keras_counts
    from cvlab.lazy_tf import keras

    resolved = zoo.resolve_options(name, **options)
    network = zoo.get(name, **options)
    ours = profile(network)
    rows = [{"source": "cvlab analytic profile", "total_params": ours.total_params,
             "trainable_params": ours.trainable_params, "macs": ours.macs,
             "layers": len(ours.layers), "seconds": None}]
    start = time.perf_counter()
    built = keras_counts(build_model(network))
    rows.append({"source": "cvlab definition built in Keras", **built.__dict__,
                 "seconds": round(time.perf_counter() - start, 2)})
    app = zoo.info(name).keras_application
    if app:
        start = time.perf_counter()
        extra = {"alpha": resolved["alpha"]} if "alpha" in resolved else {}
        ref = keras_counts(keras_application(app, resolved["resolution"],
                                             resolved["include_top"], resolved["classes"],
                                             **extra))
        rows.append({"source": f"keras.applications.{app}", **ref.__dict__,
                     "seconds": round(time.perf_counter() - start, 2)})
    keras().backend.clear_session()
    return {"rows": rows, "match": all(
        (r["total_params"], r["trainable_params"], r["macs"])
        == (ours.total_params, ours.trainable_params, ours.macs) for r in rows)}
