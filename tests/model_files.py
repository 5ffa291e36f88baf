"""A small Keras model file for the page tests: a conv net with a nested Sequential."""

from pathlib import Path

from cvlab.lazy_tf import keras


def small_model_file(path: Path) -> Path:
    """Save a 32×32 model (augmentation Sequential, two convs, pooling, a 3-class head)."""
    k = keras()
    L = k.layers
    inputs = k.Input((32, 32, 3))
    x = k.Sequential([L.RandomFlip("horizontal")], name="augmentation")(inputs)
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="conv_a")(x)
    x = L.DepthwiseConv2D(3, padding="same", name="dw_b")(x)
    x = L.Conv2D(16, 1, name="pw_b")(x)
    x = L.GlobalAveragePooling2D(name="pool")(x)
    k.Model(inputs, L.Dense(3, activation="softmax", name="head")(x), name="tiny_net").save(path)
    return path
