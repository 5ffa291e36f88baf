"""Classification metrics from labels and probabilities: pure NumPy, no TensorFlow.

Conventions:

* The confusion matrix has one row per **true** class and one column per **predicted**
  class: ``matrix[t][p]`` counts images of class ``t`` predicted as ``p``.
* Precision of a class no image was predicted as, and recall of a class with no image,
  are 0.0 (scikit-learn's ``zero_division=0``); ``support`` tells the two cases apart.
* A prediction is the arg-max probability; its confidence is that probability.
* Misclassified files are listed most confident first: confident mistakes are the
  most instructive (and the likeliest label errors).
* Intervals are 95%: Wilson's score interval for an accuracy (right at 0 and 1 and on
  a few dozen images, where the normal approximation is not), and Newcombe's
  square-and-add interval (his method 10) for the difference of two accuracies
  measured on the same images, such as a 10-crop or ensemble gain. A gain whose interval
  includes 0 cannot be told apart from noise on that many images.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n`` (``(0, 1)`` when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def paired_difference(first: Sequence[bool], second: Sequence[bool],
                      z: float = Z95) -> tuple[float, float]:
    """Interval for ``mean(first) − mean(second)``, two success flags per item (paired).

    Newcombe (1998), method 10: each accuracy's Wilson interval, combined by "square and
    add" with the correlation of the pairs (φ, with his continuity-corrected numerator).
    """
    a = np.asarray(first, bool)
    b = np.asarray(second, bool)
    if a.shape != b.shape:
        raise ValueError(f"paired flags of different lengths: {a.shape} and {b.shape}")
    n = len(a)
    if n == 0:
        return -1.0, 1.0
    both, only_a = int(np.sum(a & b)), int(np.sum(a & ~b))
    only_b, neither = int(np.sum(~a & b)), int(np.sum(~a & ~b))
    p1, p2 = (both + only_a) / n, (both + only_b) / n
    l1, u1 = wilson(both + only_a, n, z)
    l2, u2 = wilson(both + only_b, n, z)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    phi = 0.0
    if margins:
        cross = both * neither - only_a * only_b
        corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
        phi = corrected / math.sqrt(margins)
    low = (p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)
    high = (p2 - l2) ** 2 + (u1 - p1) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1)
    gain = p1 - p2
    return max(-1.0, gain - math.sqrt(max(low, 0.0))), min(1.0, gain + math.sqrt(max(high, 0.0)))


def excludes_zero(interval: Sequence[float]) -> bool:
    """True when a difference's interval lies wholly above or below zero."""
    return interval[0] > 0 or interval[1] < 0


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
    """Accuracy with its Wilson interval, per-class table, confusion matrix, every image's
    prediction and the misclassified files, JSON-ready."""
    probabilities = np.asarray(probabilities, np.float64)
    y_true = np.asarray(y_true, np.int64)
    y_pred = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    matrix = confusion_matrix(y_true, y_pred, len(class_names))
    table = per_class(matrix)
    wrong = sorted(np.flatnonzero(y_pred != y_true), key=lambda i: -confidence[i])
    hits = int(np.sum(y_pred == y_true))
    return {
        "images": int(len(y_true)),
        "accuracy": hits / len(y_true) if len(y_true) else 0.0,
        "accuracy_ci": list(wilson(hits, len(y_true))),
        "per_class": [
            {"class": name, "precision": float(table["precision"][i]),
             "recall": float(table["recall"][i]), "f1": float(table["f1"][i]),
             "support": int(table["support"][i])}
            for i, name in enumerate(class_names)
        ],
        "confusion_matrix": matrix.tolist(),
        "misclassified": [_prediction(i, paths, class_names, y_true, y_pred, confidence)
                          for i in wrong],
        "predictions": [_prediction(i, paths, class_names, y_true, y_pred, confidence)
                        for i in range(len(y_true))],
    }


def _prediction(i, paths, class_names, y_true, y_pred, confidence) -> dict:
    return {"path": str(paths[i]), "true": class_names[y_true[i]],
            "predicted": class_names[y_pred[i]], "confidence": float(confidence[i])}


def cell_images(metrics: dict, true: str, predicted: str) -> list[dict]:
    """The predictions in confusion-matrix cell (``true``, ``predicted``), most confident
    first: exactly ``matrix[true][predicted]`` images."""
    found = [p for p in metrics["predictions"]
             if p["true"] == true and p["predicted"] == predicted]
    return sorted(found, key=lambda p: -p["confidence"])
