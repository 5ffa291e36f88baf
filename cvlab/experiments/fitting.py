"""What the ResNet experiments share around ``model.fit``: one compile and one callback.

Both train small classifiers on integer labels and read their error as 1 − accuracy.
TensorFlow is imported when these are called, not when this module is.
"""

from __future__ import annotations

from collections.abc import Callable

from cvlab import lazy_tf


def compile_classifier(model, optimizer) -> None:
    """Sparse categorical cross-entropy and an ``accuracy`` metric, without XLA (about 30×
    slower on a CPU)."""
    keras = lazy_tf.keras()
    model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                  jit_compile=False)


def watch(on_batch: Callable[[int, int], bool | None],
          on_epoch: Callable[[int, dict], None] | None = None):
    """A Keras callback: ``on_batch(epoch, batch)`` after every training batch (return
    ``True`` to stop training after it), ``on_epoch(epoch, logs)`` after every epoch.
    Epochs and batches count from 0."""
    keras = lazy_tf.keras()

    class Watch(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if on_batch(self.epoch, batch):
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if on_epoch is not None:
                on_epoch(epoch, logs or {})

    return Watch()
