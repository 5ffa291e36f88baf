from keras import layers


def inception_module(X, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    one = layers.Conv2D(f1, 1, padding="same", activation="relu")(X)
    three = layers.Conv2D(f3_reduce, 1, padding="same", activation="relu")(X)
    three = layers.Conv2D(f3, 3, padding="same", activation="relu")(three)
    five = layers.Conv2D(f5_reduce, 1, padding="same", activation="relu")(X)
    five = layers.Conv2D(f5, 5, padding="same", activation="relu")(five)
    pool = layers.MaxPooling2D(3, strides=1, padding="same")(X)
    pool = layers.Conv2D(pool_proj, 1, padding="same", activation="relu")(pool)
    return layers.Concatenate(axis=-1)([one, three, five, pool])
