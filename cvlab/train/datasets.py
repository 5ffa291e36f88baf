"""Training and validation batches for the trainer, built on :func:`cvlab.data.make_dataset`.

Batches are ``(float32 images in 0..255, float32 one-hot labels)``: one-hot so that MixUp
and CutMix can blend labels, and so every mode uses the same loss.

Augmentation runs here, in the ``tf.data`` map, never inside the exported model:

* per-image steps are mapped over whole batches (one vectorised call; every Keras
  random layer still draws per image) — except when the spec crops: Keras'
  ``RandomCrop`` draws one window per call, so then the steps are mapped over single
  images before batching, and each crop is resized back to ``image_size`` (crop acts
  as a random zoom-in and the model always sees ``image_size``², as at inference);
* mixing steps (MixUp, CutMix) are mapped over batches with their one-hot labels.
"""

from __future__ import annotations

from cvlab import lazy_tf
from cvlab.data import make_dataset


def image_batches(subset, classes: int, image_size: int, batch_size: int, *, seed: int,
                  shuffle: bool, augment: dict | None = None):
    """``subset`` (paths, labels) as one-hot batches, augmented when ``augment`` is a spec."""
    tf = lazy_tf.tf()
    ds = make_dataset(subset.paths, subset.labels, (image_size, image_size), batch_size,
                      shuffle=shuffle, seed=seed, cache=True)
    ds = ds.map(lambda x, y: (x, tf.one_hot(y, classes, dtype=tf.float32)),
                num_parallel_calls=tf.data.AUTOTUNE)
    if augment is not None:
        ds = augmented(ds, augment, image_size, batch_size, seed)
    return ds.prefetch(tf.data.AUTOTUNE)


def augmented(ds, augment: dict, image_size: int, batch_size: int, seed: int):
    """``ds`` (batched, one-hot) with the spec's per-image steps, then its mixing steps."""
    from cvlab.augment.build import build_mixing, build_pipeline
    from cvlab.augment.spec import spec_from_dict

    tf = lazy_tf.tf()
    spec = spec_from_dict(augment)
    if spec.image_steps:
        pipeline = build_pipeline(spec, seed=seed)

        def per_image(x, y):
            out = tf.image.resize(pipeline(x, training=True), (image_size, image_size))
            out.set_shape((image_size, image_size, 3))
            return out, y

        if spec.get("crop") is not None:
            ds = ds.unbatch().map(per_image, num_parallel_calls=tf.data.AUTOTUNE)
            ds = ds.batch(batch_size)
        else:
            ds = ds.map(lambda x, y: (pipeline(x, training=True), y),
                        num_parallel_calls=tf.data.AUTOTUNE)
    for layer in build_mixing(spec, seed=seed):
        ds = ds.map(_mixer(layer), num_parallel_calls=tf.data.AUTOTUNE)
    return ds


def _mixer(layer):
    def mix(x, y):
        out = layer({"images": x, "labels": y}, training=True)
        return out["images"], out["labels"]

    return mix
