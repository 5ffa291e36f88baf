"""Data augmentation: one pipeline description for the studio, the trainer and the CLI.

* :mod:`~cvlab.augment.spec` — the pipeline as validated, JSON-serialisable data;
* :mod:`~cvlab.augment.build` — spec → Keras layers (what training runs);
* :mod:`~cvlab.augment.layers` — the two layers Keras lacks (PCA colour, RGB shift);
* :mod:`~cvlab.augment.preview` — seeded draws with the values each draw used;
* :mod:`~cvlab.augment.codegen` — spec → copyable Keras code.

Images are float32 in [0, 255] throughout. Only ``build``, ``layers`` and
``preview`` touch Keras, and they import it lazily.
"""
