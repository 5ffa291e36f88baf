"""A Training Studio set-up as Keras code: the model, its ``compile`` and its ``fit`` calls.

:func:`training_code` prints a module that trains what ``cvlab train`` trains for a
:class:`~cvlab.train.config.TrainConfig`: the folder read with
``image_dataset_from_directory`` (:mod:`cvlab.data.codegen`), the augmentation spec's
layers (:mod:`cvlab.augment.codegen`) mapped over the training batches as the trainer
maps them, the model of :func:`cvlab.train.model.build_classifier` (the base printed
from the zoo's graph in the weights' layout by :mod:`cvlab.keras.codegen`), and one
``compile`` + ``fit`` per phase of the mode (:func:`cvlab.train.fitting.phases`).

The module's ``build_model()`` returns the model; ``main()`` loads the folder and
trains. Its base starts from random weights, so running it downloads nothing; a
comment says where cvlab's weights come from and how to load them. Where cvlab's own
trainer works differently (a held-out test split, the head trained on cached
features, the best epoch chosen on validation loss too), a comment says so.
"""

from __future__ import annotations

from cvlab import zoo
from cvlab.augment.codegen import pipeline_code
from cvlab.augment.spec import spec_from_dict
from cvlab.data.codegen import WHY_SCAN, dataset_lines
from cvlab.keras.codegen import INDENT, literal, network_function
from cvlab.train.config import DEFAULT_MODEL, FINE_TUNE_FACTOR, TrainConfig
from cvlab.train.fitting import phases
from cvlab.train.model import LUMA
from cvlab.train.modes import mode
from cvlab.weights.preprocess import STANDARDISATION
from cvlab.weights.pretrained import LAYOUTS
from cvlab.weights.sources import BUNDLED_PACKAGE, WeightsSource, resolve_weights

BASE_FUNCTION = "build_base"


def training_code(config: TrainConfig, classes: int, source: WeightsSource | None = None) -> str:
    """The module for ``config`` on a folder of ``classes`` classes; ``source``: the
    resolved weights (default: ``config``'s weights request, resolved offline)."""
    cfg = config.resolved()
    if source is None:
        source = resolve_weights(cfg.weights, include_top=False, input_size=cfg.image_size)
    record = mode(cfg.mode)
    transfer = cfg.model == DEFAULT_MODEL
    base = (zoo.get(DEFAULT_MODEL, resolution=cfg.image_size, include_top=False,
                    **LAYOUTS[source.layout]) if transfer
            else zoo.get(cfg.model, resolution=cfg.image_size, classes=classes))
    lines = [
        f'"""Training Studio set-up as Keras code: mode {cfg.mode}, {cfg.epochs} epochs, '
        f"{cfg.image_size} px.",
        "",
        f"Mode {record.help()}.",
        "Made by cvlab from the same settings and layer graph its trainer uses; main()",
        "reads the folder and trains, build_model() only builds the model.",
        *_module_head(cfg, classes),
        "",
        "",
        *network_function(base, BASE_FUNCTION),
        "",
        "",
        *(_transfer_model(cfg, source, record.frozen_bn) if transfer
          else _zoo_model(cfg, source, base)),
        "",
        "",
        *_compile_lines(),
        "",
        "",
        *_train_lines(cfg, base.name, transfer),
        "",
        "",
        *_MAIN_OPENING,
        f"{INDENT}train(model, {'augmented(train_ds)' if cfg.augment else 'train_ds'}, val_ds)",
        *_MAIN_CLOSING,
    ]
    return "\n".join(lines) + "\n"


def model_file_code(config: TrainConfig, classes: int) -> str:
    """The module for a run on the learner's own model file (``config.model_file``): the
    file loaded in safe mode, fresh weights for mode ``scratch``, the head replaced when it
    is not a softmax over the folder's classes, then one phase where every layer trains, as
    :mod:`cvlab.train.from_file` does."""
    cfg = config.resolved()
    fresh = cfg.mode == "scratch"
    lines = [
        f'"""Training Studio set-up as Keras code: your model file, {cfg.epochs} epochs, '
        f"{'fresh weights' if fresh else 'its own weights'}.",
        "",
        "Made by cvlab from the settings its trainer uses; main() reads the folder and",
        "trains, build_model() only loads and prepares the model.",
        *_module_head(cfg, classes, f"MODEL_FILE = {literal(cfg.model_file)}"),
        "",
        "",
        "def build_model():",
        f'{INDENT}"""The file\'s model (safe mode: no Python code from the file runs), with a',
        f'{INDENT}new softmax head when its output is not one over the CLASSES classes."""',
        f"{INDENT}model = keras.saving.load_model(MODEL_FILE, safe_mode=True, compile=False)",
        *([f"{INDENT}model = keras.models.clone_model(model)  # same layers, fresh weights"]
          if fresh else []),
        f"{INDENT}head = model.layers[-1]",
        f'{INDENT}if head.get_config().get("units") != CLASSES or '
        'head.get_config().get("activation") != "softmax":',
        f"{INDENT * 2}outputs = keras.layers.Dense(CLASSES, activation=\"softmax\", "
        f'name={literal("classifier")})(head.input)',
        f"{INDENT * 2}model = keras.Model(model.inputs, outputs)",
        f"{INDENT}model.trainable = True  # every layer trains, the ones you froze too",
        f"{INDENT}return model",
        "",
        "",
        *_compile_lines(),
        "",
        "",
        *_MAIN_OPENING,
        f"{INDENT}compile_model(model, {cfg.learning_rate!r})",
        f'{INDENT}best = keras.callbacks.ModelCheckpoint("model.keras", monitor="val_accuracy",',
        f"{INDENT}                                       save_best_only=True)",
        f"{INDENT}model.fit({'augmented(train_ds)' if cfg.augment else 'train_ds'}, "
        f"validation_data=val_ds, epochs={cfg.epochs}, callbacks=[best])",
        *_MAIN_CLOSING,
    ]
    return "\n".join(lines) + "\n"


def _module_head(cfg: TrainConfig, classes: int, *constants: str) -> list[str]:
    """The end of the docstring, the imports, the constants and the dataset functions that
    every training module opens with."""
    return ["", WHY_SCAN, '"""', "", "import keras", *_augment_imports(cfg), "",
            f"CLASSES = {int(classes)}", *constants,
            *dataset_lines(cfg.data_dir, image_size=cfg.image_size, batch_size=cfg.batch_size,
                           val_fraction=cfg.val_fraction, seed=cfg.seed,
                           test_fraction=cfg.test_fraction),
            *_augment_lines(cfg)]


_MAIN_OPENING = ("def main():", f"{INDENT}keras.utils.set_random_seed(SEED)",
                 f"{INDENT}train_ds, val_ds = load_datasets()",
                 f"{INDENT}assert len(train_ds.class_names) == CLASSES, train_ds.class_names",
                 f"{INDENT}model = build_model()")
_MAIN_CLOSING = (f"{INDENT}return model", "", "", 'if __name__ == "__main__":',
                 f"{INDENT}main()")


def _augment_imports(cfg: TrainConfig) -> list[str]:
    if cfg.augment is None:
        return []
    code = pipeline_code(spec_from_dict(cfg.augment), seed=cfg.seed)
    return [line for line in code.splitlines() if line.startswith("from ")]


def _augment_lines(cfg: TrainConfig) -> list[str]:
    """``augment`` (and ``mixing``), and ``augmented(ds)`` mapping them as cvlab's
    trainer does (:func:`cvlab.train.datasets.augmented`)."""
    if cfg.augment is None:
        return []
    spec = spec_from_dict(cfg.augment)
    code = pipeline_code(spec, seed=cfg.seed).splitlines()
    body = [line for line in code if not line.startswith(("import ", "from "))]
    while body and not body[0]:
        body.pop(0)
    lines = ["", "", *body, "", "",
             "def augmented(ds):",
             f'{INDENT}"""The training batches augmented, as cvlab augments them in tf.data '
             '(never inside the model)."""']
    if spec.image_steps and spec.get("crop") is not None:
        lines += [
            f"{INDENT}# RandomCrop draws one window per call: crop image by image, then",
            f"{INDENT}# resize back, so the model always sees IMAGE_SIZE² (a random zoom-in).",
            f"{INDENT}def per_image(x, y):",
            f"{INDENT * 2}return keras.ops.image.resize(augment(x, training=True), "
            "(IMAGE_SIZE, IMAGE_SIZE)), y",
            "",
            f"{INDENT}ds = ds.unbatch().map(per_image).batch(BATCH_SIZE)",
        ]
    elif spec.image_steps:
        lines.append(f"{INDENT}ds = ds.map(lambda x, y: (augment(x, training=True), y))")
    if spec.batch_steps:
        lines += [
            f"{INDENT}for layer in mixing:  # pairs images within a batch: the labels mix too",
            f"{INDENT * 2}ds = ds.map(lambda x, y, mix=layer: _images_and_labels(",
            f'{INDENT * 3}mix({{"images": x, "labels": y}}, training=True)))',
        ]
    lines.append(f"{INDENT}return ds")
    if spec.batch_steps:
        lines += ["", "", "def _images_and_labels(batch):",
                  f'{INDENT}return batch["images"], batch["labels"]']
    return lines


def _preprocess_line(source_or_name) -> str:
    mean, std = STANDARDISATION[source_or_name]
    return (f"{INDENT}x = keras.layers.Normalization(mean={literal([float(v) for v in mean])}, "
            f"variance={literal([float(v) for v in std ** 2])}, dtype=\"float32\", "
            'name="preprocess")(inputs)')


def _weights_comment(source: WeightsSource, size: int) -> list[str]:
    c = f"{INDENT}# "
    if source.name == "none":
        return [f"{c}Random initial weights, as cvlab's scratch mode starts."]
    where = {
        "torchvision": f"torchvision's ImageNet checkpoint, bundled offline by the package "
                       f"{BUNDLED_PACKAGE.replace('_', '-')}, converted layer by layer",
        "keras": "Keras' ImageNet file from the Keras cache (pinned by its sha256)",
        "file": "the weights file the run names",
    }[source.name]
    request = str(source.path) if source.name == "file" else "imagenet"
    lines = [f"{c}cvlab starts from {where}.",
             f"{c}Here the base starts random (nothing downloads). With cvlab installed:",
             f"{c}  from cvlab.weights.pretrained import pretrained_mobilenet_v2",
             f"{c}  base.set_weights(pretrained_mobilenet_v2({literal(request)},",
             f"{c}      include_top=False, input_size={size})[0].get_weights())"]
    if source.layout == "keras":
        lines += [f"{c}The same layers, names included, as keras.applications.MobileNetV2(",
                  f"{c}  input_shape=({size}, {size}, 3), include_top=False, weights=\"imagenet\")",
                  f"{c}which downloads Keras' weights."]
    else:
        lines += [f"{c}torchvision's weights need its padding and BatchNorm epsilon: this base",
                  f"{c}pads stride-2 layers on every side and uses epsilon 1e-5."]
    return lines


def _transfer_model(cfg: TrainConfig, source: WeightsSource, frozen_bn: bool) -> list[str]:
    size = cfg.image_size
    call = "base(x, training=False)" if frozen_bn else "base(x)"
    why = ("  # BatchNorm keeps ImageNet's statistics" if frozen_bn
           else "  # BatchNorm re-estimates its statistics")
    return [
        "def build_model():",
        f'{INDENT}"""Image (float32 RGB, 0..255) → preprocessing → base → pooling → dropout '
        '→ softmax."""',
        f"{INDENT}base = {BASE_FUNCTION}()",
        *_weights_comment(source, size),
        f"{INDENT}inputs = keras.Input(shape=({size}, {size}, 3), dtype=\"float32\", "
        'name="image")',
        f"{INDENT}# The weights' preprocessing, (x - mean) / std per channel"
        + (": keras.applications.mobilenet_v2.preprocess_input" if source.preprocessing
           == "keras" else ": torchvision's ImageNet mean and std, times 255"),
        _preprocess_line(source.preprocessing),
        f"{INDENT}x = {call}{why}",
        f'{INDENT}x = keras.layers.GlobalAveragePooling2D(name="pool")(x)',
        f'{INDENT}x = keras.layers.Dropout({cfg.dropout!r}, name="dropout")(x)',
        f'{INDENT}outputs = keras.layers.Dense(CLASSES, activation="softmax", dtype="float32", '
        'name="classifier")(x)',
        f'{INDENT}return keras.Model(inputs, outputs, name="transfer_{DEFAULT_MODEL}")',
    ]


def _zoo_model(cfg: TrainConfig, source: WeightsSource, network) -> list[str]:
    size = cfg.image_size
    lines = [
        "def build_model():",
        f'{INDENT}"""Image (float32 RGB, 0..255) → preprocessing → the network, random '
        'weights."""',
        f"{INDENT}network = {BASE_FUNCTION}()",
        f"{INDENT}inputs = keras.Input(shape=({size}, {size}, 3), dtype=\"float32\", "
        'name="image")',
        f"{INDENT}# x / 127.5 - 1: keras.applications.mobilenet_v2.preprocess_input",
        _preprocess_line(source.preprocessing),
    ]
    if network.input_shape[-1] == 1:
        lines += [
            f"{INDENT}# Drawn for grey images: RGB to luma (0.299 R + 0.587 G + 0.114 B), "
            "not trained",
            f'{INDENT}x = keras.layers.Conv2D(1, 1, use_bias=False, trainable=False, '
            f'name="grayscale", kernel_initializer=keras.initializers.Constant('
            f"{literal(LUMA)}))(x)",
        ]
    name = literal(f"scratch_{cfg.model}")
    lines += [f"{INDENT}outputs = network(x)",
              f"{INDENT}return keras.Model(inputs, outputs, name={name})"]
    return lines


def _compile_lines() -> list[str]:
    """:func:`cvlab.train.model.compile_model` as code."""
    return [
        "def compile_model(model, learning_rate):",
        f'{INDENT}"""Adam, cross-entropy on one-hot labels, accuracy; after every change of '
        'what trains."""',
        f"{INDENT}model.compile(",
        f"{INDENT * 2}optimizer=keras.optimizers.Adam(learning_rate),",
        f"{INDENT * 2}loss=keras.losses.CategoricalCrossentropy(),",
        f'{INDENT * 2}metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],',
        f"{INDENT})",
    ]


def _train_lines(cfg: TrainConfig, base_name: str, transfer: bool) -> list[str]:
    plan = phases(cfg)
    c = f"{INDENT}# "
    lines = [
        "def train(model, train_ds, val_ds):",
        f'{INDENT}"""The mode\'s phases, each compiled afresh: Keras reads what trains '
        'when it compiles."""',
        f"{INDENT}base = model.get_layer({literal(base_name)})",
        f"{c}cvlab keeps the epoch of best validation accuracy (lower loss breaks a tie).",
        f'{INDENT}best = keras.callbacks.ModelCheckpoint("model.keras", monitor="val_accuracy",',
        f"{INDENT}                                       save_best_only=True)",
    ]
    for number, phase in enumerate(plan, 1):
        lines += ["", f"{c}Phase {number} of {len(plan)}: {phase.name}, epochs "
                      f"{phase.first + 1}-{phase.end}, learning rate {phase.learning_rate:g}."]
        if phase.name == "head":
            lines += [f"{c}Only the new head trains"
                      + (". cvlab trains it on the base's pooled features, computed"
                         if cfg.uses_feature_cache else "."),
                      *([f"{c}once (the frozen base is a fixed function)"
                         + (f", of {cfg.cached_views} augmented copies of the training "
                            "images, in turn." if cfg.augment else ": the same steps, "
                            "faster.")] if cfg.uses_feature_cache else []),
                      f"{INDENT}base.trainable = False"]
        elif phase.name == "fine-tune":
            lines += [f"{c}Base layers from index {cfg.fine_tune_at} up train too, at "
                      f"{FINE_TUNE_FACTOR:g} × the rate; BatchNorm stays frozen",
                      f"{c}(a frozen Keras BatchNorm layer runs in inference mode).",
                      f"{INDENT}base.trainable = True",
                      f"{INDENT}for index, layer in enumerate(base.layers):",
                      f"{INDENT * 2}layer.trainable = index >= {cfg.fine_tune_at} and "
                      "not isinstance(layer, keras.layers.BatchNormalization)"]
        else:
            lines += [f"{c}Every layer trains" + (", the base from ImageNet." if transfer
                                                  and cfg.mode != "scratch" else "."),
                      f"{INDENT}base.trainable = True"]
        lines += [f"{INDENT}compile_model(model, {phase.learning_rate!r})",
                  f"{INDENT}model.fit(train_ds, validation_data=val_ds, epochs={phase.end}, "
                  f"initial_epoch={phase.first}, callbacks=[best])"]
    return lines
