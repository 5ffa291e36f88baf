from keras import layers


def convolutional_block(X, f, filters, s=2):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, 1, strides=s, padding="valid")(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F2, f, padding="same")(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F3, 1, padding="valid")(X)
    X = layers.BatchNormalization(axis=3)(X)
    X_shortcut = layers.Conv2D(F3, 1, strides=s, padding="valid")(X_shortcut)
    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)
    X = layers.Add()([X, X_shortcut])
    return layers.Activation("relu")(X)
