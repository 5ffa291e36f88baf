"""Solutions to the Practice exercises for the tests: for each exercise a second correct
solution in another style, and typical mistakes with (part of) the message each must get.

``CASES``: ``(exercise, label, source, expected)``; ``expected`` is ``None`` for a
solution that must pass, else a piece of the first failing check's message.
"""

from __future__ import annotations

from cvlab.practice.exercises import get


def _mutate(name: str, old: str, new: str) -> str:
    source = get(name).solution
    assert old in source, (name, old)
    return source.replace(old, new, 1)


IDENTITY_OTHER = '''
import keras


def identity_block(X, f, filters):
    F1, F2, F3 = filters
    shortcut = X
    for n, k in ((F1, 1), (F2, f)):
        X = keras.layers.Conv2D(n, (k, k), padding="same", name=f"my_conv_{k}")(X)
        X = keras.layers.BatchNormalization(axis=-1)(X)
        X = keras.layers.ReLU()(X)
    X = keras.layers.Conv2D(F3, (1, 1))(X)
    X = keras.layers.BatchNormalization()(X)
    X = keras.layers.add([shortcut, X])
    return keras.ops.relu(X)
'''

CONV_OTHER = '''
from keras import layers, ops


def convolutional_block(X, f, filters, s=2):
    F1, F2, F3 = filters
    side = layers.BatchNormalization()(layers.Conv2D(F3, 1, strides=(s, s))(X))
    main = layers.Conv2D(F1, 1, strides=(s, s), activation=None)(X)
    main = layers.Activation("relu")(layers.BatchNormalization()(main))
    main = layers.Conv2D(F2, f, padding="same")(main)
    main = layers.Activation("relu")(layers.BatchNormalization()(main))
    main = layers.BatchNormalization()(layers.Conv2D(F3, 1)(main))
    return layers.ReLU()(side + main)
'''

SKIP_OTHER = '''
import keras


def skip_block(X, filters):
    a = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(X)
    z = keras.layers.Conv2D(filters, 3, padding="same")(a)
    return keras.layers.Activation("relu")(keras.layers.Add()([X, z]))
'''

SEPARABLE_OTHER = '''
from keras import layers


def separable_block(X, filters, stride):
    if stride == 2:
        X = layers.ZeroPadding2D(((0, 1), (0, 1)))(X)
    X = layers.DepthwiseConv2D((3, 3), strides=(stride, stride),
                               padding="same" if stride == 1 else "valid", use_bias=False)(X)
    X = layers.ReLU(max_value=6)(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False)(X)
    return layers.Activation("relu6")(layers.BatchNormalization(axis=3)(X))
'''

INVERTED_OTHER = '''
from keras import layers


def inverted_residual(X, expansion, filters, stride):
    c = X.shape[-1]
    y = layers.ReLU(6.0)(layers.BatchNormalization()(
        layers.Conv2D(c * expansion, 1, padding="same", use_bias=False)(X)))
    y = layers.ReLU(6.0)(layers.BatchNormalization()(
        layers.DepthwiseConv2D(3, stride, padding="same", use_bias=False)(y)))
    y = layers.BatchNormalization()(layers.Conv2D(filters, 1, use_bias=False)(y))
    return layers.add([X, y]) if (stride, c) == (1, filters) else y
'''

INCEPTION_OTHER = '''
import keras
from keras import layers


def conv_relu(x, n, k):
    return layers.Activation("relu")(layers.Conv2D(n, k, padding="same")(x))


def inception_module(X, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    branches = [conv_relu(X, f1, 1),
                conv_relu(conv_relu(X, f3_reduce, 1), f3, 3),
                conv_relu(conv_relu(X, f5_reduce, 1), f5, 5),
                conv_relu(layers.MaxPooling2D((3, 3), (1, 1), "same")(X), pool_proj, 1)]
    return keras.layers.concatenate(branches)
'''

AUGMENTER_OTHER = '''
import keras


def data_augmenter():
    return keras.Sequential([keras.layers.RandomFlip(mode="horizontal"),
                             keras.layers.RandomRotation(factor=0.2)], name="augment")
'''

TRANSFER_OTHER = '''
import keras


def transfer_model(base, classes, augmenter):
    for layer in base.layers:
        pass
    base.trainable = False
    inputs = keras.Input(base.input_shape[1:])
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(augmenter(inputs))
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(classes)(keras.layers.Dropout(rate=0.2)(x))
    return keras.Model(inputs=inputs, outputs=outputs)
'''

CASES = [
    # identity_block
    ("identity_block", "other style", IDENTITY_OTHER, None),
    ("identity_block", "shortcut after the ReLU", _mutate(
        "identity_block", '    X = layers.Add()([X, X_shortcut])\n    return layers.Activation('
        '"relu")(X)', '    X = layers.Activation("relu")(X)\n    return layers.Add()([X, '
        'X_shortcut])'), "the shortcut is added after the last ReLU; add it before"),
    ("identity_block", "missing batch norm", _mutate(
        "identity_block", '    X = layers.Conv2D(F2, f, padding="same")(X)\n    X = layers.'
        'BatchNormalization(axis=3)(X)\n', '    X = layers.Conv2D(F2, f, padding="same")(X)\n'),
     "a batch norm is missing after the 3×3 convolution"),
    ("identity_block", "no shortcut", _mutate(
        "identity_block", "    X = layers.Add()([X, X_shortcut])\n", ""),
     "there is no shortcut"),
    ("identity_block", "valid padding", _mutate(
        "identity_block", 'layers.Conv2D(F2, f, padding="same")', "layers.Conv2D(F2, f)"),
     "incompatible shapes"),
    ("identity_block", "returns nothing", _mutate(
        "identity_block", '    return layers.Activation("relu")(X)',
        '    X = layers.Activation("relu")(X)'), "returned None"),
    ("identity_block", "a typo", _mutate("identity_block", "F1, F2, F3 = filters",
                                         "F1, F2, F3 = filtres"), "NameError"),
    # convolutional_block
    ("convolutional_block", "other style", CONV_OTHER, None),
    ("convolutional_block", "stride on the 3×3", _mutate(
        "convolutional_block", 'layers.Conv2D(F1, 1, strides=s, padding="valid")',
        'layers.Conv2D(F1, 1, padding="valid")').replace(
        'layers.Conv2D(F2, f, padding="same")', 'layers.Conv2D(F2, f, strides=s, '
        'padding="same")'),
     "the stride is on the 3×3 convolution; the course puts it on the first 1×1 convolution"),
    ("convolutional_block", "identity shortcut", _mutate(
        "convolutional_block", '    X_shortcut = layers.Conv2D(F3, 1, strides=s, padding="valid")'
        '(X_shortcut)\n    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)\n', ""),
     "where two paths are added their shapes must match"),
    ("convolutional_block", "no batch norm on the shortcut", _mutate(
        "convolutional_block", "    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)\n",
        ""), "a batch norm is missing after the shortcut's 1×1 convolution"),
    # skip_block
    ("skip_block", "other style", SKIP_OTHER, None),
    ("skip_block", "shortcut after the ReLU", _mutate(
        "skip_block", '    z = layers.Add()([z, a_l])\n    return layers.Activation("relu")(z)',
        '    z = layers.Activation("relu")(z)\n    return layers.Add()([z, a_l])'),
     "the shortcut is added after the last ReLU; add it before"),
    ("skip_block", "ReLU inside the block", _mutate(
        "skip_block", '    z = layers.Conv2D(filters, 3, padding="same")(a)\n',
        '    z = layers.Conv2D(filters, 3, padding="same", activation="relu")(a)\n'),
     "there is an extra ReLU"),
    ("skip_block", "no bias", _mutate(
        "skip_block", 'z = layers.Conv2D(filters, 3, padding="same")(X)',
        'z = layers.Conv2D(filters, 3, padding="same", use_bias=False)(X)'), "parameters"),
    # separable_block
    ("separable_block", "other style, Keras' padding", SEPARABLE_OTHER, None),
    ("separable_block", "ReLU instead of ReLU6", _mutate(
        "separable_block", "    return layers.ReLU(6.0)(X)", "    return layers.ReLU()(X)"),
     "a ReLU where the course has a ReLU6"),
    ("separable_block", "stride on the pointwise", _mutate(
        "separable_block", "DepthwiseConv2D(3, strides=stride,", "DepthwiseConv2D(3,").replace(
        "Conv2D(filters, 1, use_bias=False)", "Conv2D(filters, 1, strides=stride, "
        "use_bias=False)"), "the stride is on the 1×1 convolution; the course puts it on the "
     "3×3 depthwise convolution"),
    ("separable_block", "a bias", _mutate(
        "separable_block", "Conv2D(filters, 1, use_bias=False)", "Conv2D(filters, 1)"),
     "parameters"),
    # inverted_residual
    ("inverted_residual", "other style", INVERTED_OTHER, None),
    ("inverted_residual", "ReLU6 after the projection", _mutate(
        "inverted_residual", "    X = layers.Conv2D(filters, 1, use_bias=False)(X)\n    X = layers."
        "BatchNormalization()(X)\n", "    X = layers.Conv2D(filters, 1, use_bias=False)(X)\n"
        "    X = layers.BatchNormalization()(X)\n    X = layers.ReLU(6.0)(X)\n"),
     "after the linear projection"),
    ("inverted_residual", "skip always", _mutate(
        "inverted_residual", "    if stride == 1 and in_channels == filters:\n", "    if True:\n"),
     "raised ValueError"),
    ("inverted_residual", "no skip", _mutate(
        "inverted_residual", "    if stride == 1 and in_channels == filters:\n        X = "
        "layers.Add()([inputs, X])\n", ""), "there is no shortcut"),
    # inception_module
    ("inception_module", "other style", INCEPTION_OTHER, None),
    ("inception_module", "branches in another order", _mutate(
        "inception_module", "[one, three, five, pool]", "[three, one, five, pool]"),
     "concatenated in another order"),
    ("inception_module", "no ReLU on the 5×5", _mutate(
        "inception_module", 'layers.Conv2D(f5, 5, padding="same", activation="relu")',
        'layers.Conv2D(f5, 5, padding="same")'),
     "a ReLU is missing after the branch 3's 5×5 convolution"),
    ("inception_module", "average pool", _mutate(
        "inception_module", "MaxPooling2D", "AveragePooling2D"),
     "a 3×3 average pool where the course has a 3×3 max pool"),
    # data_augmenter
    ("data_augmenter", "other style", AUGMENTER_OTHER, None),
    ("data_augmenter", "vertical flips", _mutate(
        "data_augmenter", 'RandomFlip("horizontal")', 'RandomFlip("vertical")'), "'vertical'"),
    ("data_augmenter", "no rotation", _mutate(
        "data_augmenter", "    data_augmentation.add(layers.RandomRotation(0.2))\n", ""),
     "the course's is a Sequential of RandomFlip('horizontal'), RandomRotation(0.2)"),
    ("data_augmenter", "a list", "from keras import layers\n\n\ndef data_augmenter():\n"
     "    return [layers.RandomFlip('horizontal'), layers.RandomRotation(0.2)]\n",
     "returned a list"),
    # transfer_model
    ("transfer_model", "other style", TRANSFER_OTHER, None),
    ("transfer_model", "base left trainable", _mutate(
        "transfer_model", "    base.trainable = False\n", ""), "the base is left trainable"),
    ("transfer_model", "missing training=False", _mutate(
        "transfer_model", "base(x, training=False)", "base(x)"), "missing training=False"),
    ("transfer_model", "no preprocessing", _mutate(
        "transfer_model", "    x = preprocess_input(x)\n", ""),
     "preprocessing (rescaling) is missing"),
    ("transfer_model", "softmax head", _mutate(
        "transfer_model", "layers.Dense(classes)", 'layers.Dense(classes, activation="softmax")'),
     "there is an extra softmax after the dense"),
]

#: ``(label, source, limits, expected)``: each stopped by the limit it runs into first.
#: The wall-clock limit is far beyond the CPU limit where CPU is what must stop it, so a
#: busy machine (CPU seconds accrue slowly) still meets the CPU limit first.
CPU_BOUND = {"cpu_seconds": 2, "wall_seconds": 120.0, "memory_bytes": 2 * 1024 ** 3,
             "processes": 16}
RUNAWAYS = [
    ("endless loop", "def identity_block(X, f, filters):\n    while True:\n        pass\n",
     CPU_BOUND, "CPU time"),
    ("huge allocation", "def identity_block(X, f, filters):\n    block = bytearray(64 * 2**30)\n"
     "    return X\n", CPU_BOUND, "more memory than the check allows"),
    ("fork loop", "import os\n\n\ndef identity_block(X, f, filters):\n    while True:\n"
     "        os.fork()\n", CPU_BOUND, "more processes than the check allows"),
    ("sleeps", "import time\n\n\ndef identity_block(X, f, filters):\n    time.sleep(600)\n",
     {"wall_seconds": 3.0}, "ran longer than 3 s"),
]
