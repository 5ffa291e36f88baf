import keras
from keras import layers
from keras.applications.mobilenet_v2 import preprocess_input


def transfer_model(base, classes, augmenter):
    base.trainable = False
    inputs = keras.Input(shape=base.input_shape[1:])
    x = augmenter(inputs)
    x = preprocess_input(x)
    x = base(x, training=False)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(classes)(x)
    return keras.Model(inputs, outputs)
