"""Evaluation, prediction and export of a trained run.

::

    report = evaluate(run_dir)                          # held-out split → metrics.json
    report = evaluate(run_dir, "new/folder", multicrop=True, ensemble=[other_run])
    result = predict(run_dir, ["cat.jpg"], top=3)
    result = export(run_dir, ["keras", "tflite", "tflite-int8"])

Models are loaded with ``safe_mode=True`` only. Importing this package does not
import TensorFlow; :mod:`cvlab.evaluate.metrics` and :mod:`cvlab.evaluate.tta` are
pure NumPy.
"""

from cvlab.evaluate.evaluation import evaluate
from cvlab.evaluate.export import FORMATS, export, parse_formats
from cvlab.evaluate.predict import predict

__all__ = ["FORMATS", "evaluate", "export", "parse_formats", "predict"]
