"""Transfer-learning trainer (issue #4): MobileNetV2 in four modes, one run folder per run.

::

    from cvlab.train import TrainConfig, train
    result = train(TrainConfig("data/faces", mode="frozen", epochs=5))
    result.run_dir / "model.keras"      # float32 RGB 0..255 in, softmax out

The run folder's layout is the contract in :mod:`cvlab.train.runs`. Importing this
package does not import TensorFlow.
"""

from cvlab.train.runs import RunPaths, RunRecord, load_run_model, read_run

__all__ = ["RunPaths", "RunRecord", "load_run_model", "read_run"]
