"""Metrics against hand-computed examples: confusion matrix, precision/recall/F1, mistakes."""

import numpy as np
import pytest

from cvlab.evaluate.metrics import confusion_matrix, per_class, summarize


def test_confusion_matrix_rows_are_true_columns_predicted():
    matrix = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_precision_recall_f1_by_hand():
    table = per_class(np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]]))
    # class 0: 1 hit of 2 predicted, of 2 true; class 1: 1 of 2 predicted, 1 of 1 true;
    # class 2: 2 of 2 predicted, 2 of 3 true
    assert table["precision"] == pytest.approx([1 / 2, 1 / 2, 1.0])
    assert table["recall"] == pytest.approx([1 / 2, 1.0, 2 / 3])
    assert table["f1"] == pytest.approx([1 / 2, 2 / 3, 0.8])
    assert table["support"].tolist() == [2, 1, 3]


def test_a_class_never_predicted_or_absent_scores_zero_not_nan():
    table = per_class(np.array([[2, 0, 0], [1, 0, 0], [0, 0, 0]]))
    assert table["precision"].tolist() == [2 / 3, 0.0, 0.0]
    assert table["recall"].tolist() == [1.0, 0.0, 0.0]
    assert table["f1"][1:].tolist() == [0.0, 0.0]
    assert table["support"].tolist() == [2, 1, 0]


def test_summarize_reports_accuracy_and_mistakes_most_confident_first():
    probabilities = np.array([
        [0.9, 0.1],  # a.png: true 0, right
        [0.6, 0.4],  # b.png: true 1, wrong at 0.6
        [0.2, 0.8],  # c.png: true 1, right
        [0.05, 0.95],  # d.png: true 0, wrong at 0.95
    ])
    report = summarize([0, 1, 1, 0], probabilities, ["cat", "dog"], ["a.png", "b.png", "c.png",
                                                                    "d.png"])
    assert report["images"] == 4 and report["accuracy"] == 0.5
    assert report["confusion_matrix"] == [[1, 1], [1, 1]]
    assert report["per_class"][0] == {"class": "cat", "precision": 0.5, "recall": 0.5,
                                      "f1": 0.5, "support": 2}
    assert report["misclassified"] == [
        {"path": "d.png", "true": "cat", "predicted": "dog", "confidence": 0.95},
        {"path": "b.png", "true": "dog", "predicted": "cat", "confidence": 0.6},
    ]
