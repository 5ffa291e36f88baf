from keras import layers


def separable_block(X, filters, stride):
    X = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    X = layers.ReLU(6.0)(X)
    X = layers.Conv2D(filters, 1, use_bias=False)(X)
    X = layers.BatchNormalization()(X)
    return layers.ReLU(6.0)(X)
