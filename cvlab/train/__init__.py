"""Transfer-learning trainer: MobileNetV2 in four modes, one run folder per run.

::

    from cvlab.train import TrainConfig, train, resume
    result = train(TrainConfig("data/faces", mode="frozen", epochs=5), progress=print)
    result.run_dir / "model.keras"      # float32 RGB 0..255 in, softmax out
    resume(result.run_dir, epochs=8)     # continue a stopped, failed or finished run

``progress`` receives :class:`ProgressEvent` objects (``.fraction`` 0..1, ``.text``);
``stop_event`` (a ``threading.Event``) stops after the current batch. The run folder's
layout is the contract in :mod:`cvlab.train.runs`. Importing this package does not
import TensorFlow.
"""

from cvlab.jobfolder import ProgressEvent
from cvlab.train.config import MODES, TrainConfig
from cvlab.train.run import RunResult, TrainingFailed, resume, train
from cvlab.train.runs import RunPaths, RunRecord, list_runs, load_run_model, read_run

__all__ = ["MODES", "ProgressEvent", "RunPaths", "RunRecord", "RunResult", "TrainConfig",
           "TrainingFailed", "list_runs", "load_run_model", "read_run", "resume", "train"]
