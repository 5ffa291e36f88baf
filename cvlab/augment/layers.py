"""Keras layers for the two colour augmentations Keras does not ship.

Keras 3 has no layer for AlexNet's PCA colour augmentation or for a per-channel
RGB offset, so cvlab writes them. They follow the protocol of Keras' own
preprocessing layers (``get_random_transformation`` then ``transform_images``),
which lets the studio report exactly what each draw used, and they pass images
through unchanged when ``training`` is false.

Conventions: images are float32, channels-last RGB, values in ``value_range``
(default [0, 255]); a rank-3 input is treated as a batch of one. Importing this
module imports Keras (through :mod:`cvlab.lazy_tf`), so import it inside functions.
"""

from __future__ import annotations

from cvlab.lazy_tf import keras as _keras

keras = _keras()
ops = keras.ops


class _ColourJitter(keras.layers.Layer):
    """Shared plumbing: seeding, rank-3 inputs, clipping, config."""

    def __init__(self, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.value_range = tuple(float(v) for v in value_range)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training:
            return images
        single = len(images.shape) == 3
        batch = images[None] if single else images
        out = self.transform_images(batch, self.get_random_transformation(batch))
        return out[0] if single else out

    def compute_output_shape(self, input_shape):
        return input_shape

    def _add(self, images, offsets):
        """Add one RGB offset per image, (B, 3), and clip to the value range."""
        return ops.clip(images + offsets[:, None, None, :], *self.value_range)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "seed": self.seed}


@keras.saving.register_keras_serializable(package="cvlab")
class RGBShift(_ColourJitter):
    """Add an offset to each of R, G and B, e.g. +20 R, +10 G, −5 B.

    With ``random=True`` each image draws channel ``c``'s offset uniformly from
    ``[-|offsets[c]|, |offsets[c]|]``; otherwise ``offsets`` are added as given.
    Offsets are in pixel values; the result is clipped to ``value_range``.
    """

    def __init__(self, offsets=(20.0, 10.0, -5.0), random=True, **kwargs):
        super().__init__(**kwargs)
        self.offsets = tuple(float(v) for v in offsets)
        self.random = bool(random)

    def get_random_transformation(self, images, training=True, seed=None):
        batch = ops.shape(images)[0]
        limit = ops.convert_to_tensor(self.offsets, dtype=self.compute_dtype)
        if not self.random:
            return {"offsets": ops.broadcast_to(limit, (batch, 3))}
        seed = self.generator if seed is None else seed
        draw = keras.random.uniform((batch, 3), -1.0, 1.0, seed=seed)
        return {"offsets": draw * ops.abs(limit)}

    def transform_images(self, images, transformation, training=True):
        return self._add(ops.cast(images, self.compute_dtype), transformation["offsets"])

    def get_config(self):
        return {**super().get_config(), "offsets": self.offsets, "random": self.random}


@keras.saving.register_keras_serializable(package="cvlab")
class PCAColor(_ColourJitter):
    """AlexNet's "fancy PCA": shift every pixel by Σᵢ αᵢ λᵢ pᵢ, αᵢ ~ N(0, sigma).

    ``pᵢ`` and ``λᵢ`` are the eigenvectors and eigenvalues of the RGB covariance
    (values rescaled to [0, 1], eigenvalues descending, eigenvectors as columns;
    see :mod:`cvlab.augment.pca`). Pass dataset statistics as ``eigvals`` (3,)
    and ``eigvecs`` (3, 3), as AlexNet did, or leave both ``None`` to use each
    image's own. The shift, scaled back to the value range, is the same for all
    pixels of an image, so the lighting changes while the structure stays.
    """

    def __init__(self, sigma=0.1, eigvals=None, eigvecs=None, **kwargs):
        super().__init__(**kwargs)
        self.sigma = float(sigma)
        self.eigvals = None if eigvals is None else tuple(float(v) for v in eigvals)
        self.eigvecs = None if eigvecs is None else tuple(tuple(map(float, r)) for r in eigvecs)

    def components(self, images):
        """Per image: eigenvalues (B, 3), descending, and eigenvectors (B, 3, 3) as columns."""
        batch = ops.shape(images)[0]
        if self.eigvals is not None:
            vals = ops.convert_to_tensor(self.eigvals, dtype=self.compute_dtype)
            vecs = ops.convert_to_tensor(self.eigvecs, dtype=self.compute_dtype)
            return ops.broadcast_to(vals, (batch, 3)), ops.broadcast_to(vecs, (batch, 3, 3))
        low, high = self.value_range
        pixels = ops.reshape((images - low) / (high - low), (batch, -1, 3))
        centred = pixels - ops.mean(pixels, axis=1, keepdims=True)
        count = ops.cast(ops.shape(pixels)[1], self.compute_dtype)
        cov = ops.einsum("bpi,bpj->bij", centred, centred) / ops.maximum(count - 1.0, 1.0)
        vals, vecs = ops.eigh(cov)
        return ops.maximum(ops.flip(vals, axis=-1), 0.0), ops.flip(vecs, axis=-1)

    def offsets(self, images, alphas):
        """The RGB shift (B, 3), in pixel values, for the given α (B, 3)."""
        vals, vecs = self.components(ops.cast(images, self.compute_dtype))
        scale = self.value_range[1] - self.value_range[0]
        return scale * ops.einsum("bij,bj->bi", vecs, alphas * vals)

    def get_random_transformation(self, images, training=True, seed=None):
        batch = ops.shape(images)[0]
        seed = self.generator if seed is None else seed
        alphas = keras.random.normal((batch, 3), stddev=self.sigma, seed=seed)
        return {"alphas": alphas, "offsets": self.offsets(images, alphas)}

    def transform_images(self, images, transformation, training=True):
        return self._add(ops.cast(images, self.compute_dtype), transformation["offsets"])

    def get_config(self):
        return {
            **super().get_config(),
            "sigma": self.sigma,
            "eigvals": self.eigvals,
            "eigvecs": self.eigvecs,
        }
