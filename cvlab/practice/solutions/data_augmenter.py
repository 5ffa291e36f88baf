import keras
from keras import layers


def data_augmenter():
    data_augmentation = keras.Sequential()
    data_augmentation.add(layers.RandomFlip("horizontal"))
    data_augmentation.add(layers.RandomRotation(0.2))
    return data_augmentation
