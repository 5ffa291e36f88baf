"""cvlab: the engine behind the Deep Convolutional Models lab.

Nothing in this package imports streamlit. TensorFlow is imported lazily,
inside the functions that run a model, through :mod:`cvlab.lazy_tf`.
"""

__version__ = "0.1.0"
