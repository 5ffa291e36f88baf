from keras import layers


def skip_block(X, filters):
    a_l = X
    z = layers.Conv2D(filters, 3, padding="same")(X)
    a = layers.Activation("relu")(z)
    z = layers.Conv2D(filters, 3, padding="same")(a)
    z = layers.Add()([z, a_l])
    return layers.Activation("relu")(z)
