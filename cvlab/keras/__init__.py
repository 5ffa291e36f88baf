"""The Keras side of the zoo: build a zoo graph as a ``keras.Model`` (:mod:`.build`), read
Keras' own counts of a model (:mod:`.counts`) and set them beside the profiler's
(:mod:`.compare`). TensorFlow is imported inside the functions, never at import time."""
