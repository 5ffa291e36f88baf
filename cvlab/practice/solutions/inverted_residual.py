from keras import layers


def inverted_residual(X, expansion, filters, stride):
    inputs = X
    in_channels = X.shape[-1]
    X = layers.Conv2D(expansion * in_channels, 1, use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    X = layers.ReLU(6.0)(X)
    X = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    X = layers.ReLU(6.0)(X)
    X = layers.Conv2D(filters, 1, use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    if stride == 1 and in_channels == filters:
        X = layers.Add()([inputs, X])
    return X
