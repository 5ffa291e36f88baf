"""Datasets: scan a folder-per-class tree, split it, and load it with ``tf.data``.

The trainer's entry points::

    report = scan(root)                     # ScanReport, or CvlabError if unusable
    parts = split(report, val_fraction=0.2, test_fraction=0.0, seed=0)
    train = make_dataset(parts.train.paths, parts.train.labels, (160, 160), 32, seed=0)

Images from :func:`make_dataset` are float32 RGB in 0..255; labels are int32 indices
into ``report.class_names``. Importing this package does not import TensorFlow.
"""

from cvlab.data.pipeline import make_dataset
from cvlab.data.roots import app_data_dir, data_roots, resolve_allowed
from cvlab.data.samples import SAMPLES, ensure_sample, write_sample
from cvlab.data.scan import ScanReport, scan
from cvlab.data.split import Split, Subset, split

__all__ = [
    "SAMPLES",
    "ScanReport",
    "Split",
    "Subset",
    "app_data_dir",
    "data_roots",
    "ensure_sample",
    "make_dataset",
    "resolve_allowed",
    "scan",
    "split",
    "write_sample",
]
