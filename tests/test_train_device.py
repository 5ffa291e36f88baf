"""The GPU settings, exercised on the CPU: mixed precision and a distribution strategy.

This machine has no GPU, so ``device.detect`` is replaced by a device that asks for what
a GPU run uses. TensorFlow runs float16 kernels and MirroredStrategy on the CPU too
(slowly), so the trainer's handling of both is checked end to end.
"""

import math

import numpy as np
import pytest

from cvlab import lazy_tf
from cvlab.train import RunPaths, TrainConfig, load_run_model, train
from cvlab.train import device as devices
from cvlab.train.runs import load_keras_file

pytestmark = pytest.mark.slow
SIZE = 32


@pytest.mark.parametrize(("device", "mode"), [
    (devices.Device("GPU: stand-in ×1", 1, "mixed_float16"), "fine-tune"),
    (devices.Device("GPU: stand-in ×2", 2, "float32"), "frozen"),
], ids=["mixed-precision", "mirrored-strategy"])
def test_a_run_under_gpu_settings_trains_in_its_dtype_and_exports_float32(
        shapes, tmp_path, monkeypatch, device, mode):
    monkeypatch.setattr(devices, "detect", lambda: device)
    config = TrainConfig(str(shapes), mode=mode, epochs=2, image_size=SIZE, batch_size=8)
    result = train(config, run_dir=tmp_path / "run")
    assert result.device == device.name and result.epochs_run == 2
    assert math.isfinite(result.val_loss)
    assert lazy_tf.keras().mixed_precision.global_policy().name == "float32"  # restored

    checkpoint = load_keras_file(RunPaths(result.run_dir).last)  # the model as it trained
    if mode != "frozen":  # a cached-feature run checkpoints the head alone
        assert conv_dtypes(checkpoint) == {"float16" if device.mixed else "float32"}
    assert checkpoint.get_layer("classifier").compute_dtype == "float32"

    model = load_run_model(result.run_dir)  # the export: float32 throughout
    assert conv_dtypes(model) == {"float32"}
    images = np.random.default_rng(0).uniform(0, 255, (4, SIZE, SIZE, 3)).astype(np.float32)
    probabilities = np.asarray(model.predict_on_batch(images))
    assert probabilities.dtype == np.float32
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def conv_dtypes(model) -> set[str]:
    """The compute dtypes of the model's base convolutions. A fine-tune checkpoint cached
    below a block boundary holds the base's layers from the cut up, not the base itself."""
    names = [layer.name for layer in model.layers]
    layers = model.get_layer("mobilenet_v2").layers if "mobilenet_v2" in names else model.layers
    return {layer.compute_dtype for layer in layers if "Conv" in type(layer).__name__}
