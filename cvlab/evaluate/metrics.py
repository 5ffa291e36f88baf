"""Classification metrics from labels and probabilities: pure NumPy, no TensorFlow.

Conventions:

* The confusion matrix has one row per **true** class and one column per **predicted**
  class: ``matrix[t][p]`` counts images of class ``t`` predicted as ``p``.
* Precision of a class no image was predicted as, and recall of a class with no image,
  are 0.0 (scikit-learn's ``zero_division=0``); ``support`` tells the two cases apart.
* A prediction is the arg-max probability; its confidence is that probability.
* Misclassified files are listed most confident first: confident mistakes are the
  most instructive (and the likeliest label errors).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` int64 counts, rows true and columns predicted."""
    matrix = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(matrix, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return matrix


def per_class(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per class from a confusion matrix."""
    hits = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    support = matrix.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(hits), where=total > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def summarize(
    y_true: Sequence[int],
    probabilities: np.ndarray,
    class_names: Sequence[str],
    paths: Sequence[str],
) -> dict:
    """Accuracy, per-class table, confusion matrix and misclassified files, JSON-ready."""
    probabilities = np.asarray(probabilities, np.float64)
    y_true = np.asarray(y_true, np.int64)
    y_pred = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    matrix = confusion_matrix(y_true, y_pred, len(class_names))
    table = per_class(matrix)
    wrong = sorted(np.flatnonzero(y_pred != y_true), key=lambda i: -confidence[i])
    return {
        "images": int(len(y_true)),
        "accuracy": float(np.mean(y_pred == y_true)) if len(y_true) else 0.0,
        "per_class": [
            {"class": name, "precision": float(table["precision"][i]),
             "recall": float(table["recall"][i]), "f1": float(table["f1"][i]),
             "support": int(table["support"][i])}
            for i, name in enumerate(class_names)
        ],
        "confusion_matrix": matrix.tolist(),
        "misclassified": [
            {"path": str(paths[i]), "true": class_names[y_true[i]],
             "predicted": class_names[y_pred[i]], "confidence": float(confidence[i])}
            for i in wrong
        ],
    }
