"""The checks of one exercise: the learner's function against the reference, call by call.

:func:`check` runs the learner's source in a fresh namespace, calls the function on each
:class:`~cvlab.practice.exercises.Case` (a ``keras.Input`` of the case's shape for a block),
does the same with the reference solution, and compares, in this order:

* **runs**: it runs and returns a tensor (a block) or a model;
* **output shape**, for every case;
* **parameters**: the total count, for every case;
* **structure**: the steps along each path and where the shortcut joins
  (:mod:`cvlab.practice.graph`, :mod:`cvlab.practice.diagnose`);
* **numbers**: the reference's weights (drawn at random, batch-norm statistics too) are
  copied into the learner's layers, paired by their place in the structure, not their
  names; both run in inference mode on one fixed random input; the outputs must agree to
  :data:`TOLERANCE`.

The transfer exercises add their own checks (a frozen base called with
``training=False``; the augmenter's layers). A check that cannot run because an earlier
one failed says so. Call this only in the limited check process
(:mod:`cvlab.practice.sandbox`): it executes the learner's code.
"""

from __future__ import annotations

import traceback

import numpy as np

from cvlab.lazy_tf import keras
from cvlab.practice import diagnose
from cvlab.practice.exercises import Case, Exercise, get
from cvlab.practice.graph import signature, steps, weighted

TOLERANCE = 1e-4
SEED = 23
FILENAME = "<your code>"


class _Failed(Exception):
    """A check failed in a way that stops the later ones."""


def check(name: str, source: str, save_to: str | None = None) -> dict:
    """The verdict ``{"exercise", "passed", "checks": [{"name", "passed", "message"}],
    "layers": [...]}``; ``layers`` (name, class, output shape, params) is filled, and the
    learner's model saved to ``save_to`` (a ``.keras`` file), when every check passed."""
    exercise = get(name)
    checks: list[dict] = []
    verdict = {"exercise": name, "passed": False, "checks": checks, "layers": []}
    try:
        mine_fn = _load(source, name, checks)
        ref_fn = _load(exercise.solution, name, None)
        built = []
        for case in exercise.cases:
            ref = _call(ref_fn, exercise, case, None)
            mine = _call(mine_fn, exercise, case, checks)
            built.append((case, ref, mine))
        _record(checks, "runs", True, f"{name} runs and returns "
                f"{'a tensor' if exercise.kind == 'block' else 'a model'} for every call")
        _compare(exercise, built, checks)
    except _Failed:
        pass
    verdict["passed"] = bool(checks) and all(c["passed"] for c in checks)
    if verdict["passed"]:
        from cvlab.modelfile.convert import convert
        from cvlab.modelfile.summary import summarize

        model = built[0][2][0]
        verdict["layers"] = layer_table(model)
        verdict["profile"] = summarize(convert(model, name))  # profiled like a zoo network
        if save_to:
            model.save(save_to)
    return verdict


def layer_table(model) -> list[dict]:
    """One row per layer: name, class, output shape (without the batch), parameters."""
    rows = []
    for layer in model.layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):
            shape = None
        rows.append({"name": layer.name, "class": type(layer).__name__,
                     "output_shape": None if shape is None else [d for d in shape[1:]],
                     "params": int(layer.count_params())})
    return rows


def _load(source: str, name: str, checks: list | None):
    """The function ``name`` that ``source`` defines; ``checks`` is ``None`` for the
    reference, whose failure is a bug, not a verdict."""
    namespace = {"__name__": "exercise"}
    try:
        exec(compile(source, FILENAME if checks is not None else "<reference>", "exec"),
             namespace)
    except Exception as exc:  # the learner's code may raise anything
        if checks is None:
            raise
        _fail(checks, "runs", f"your code does not run: {_short(exc)}")
    fn = namespace.get(name)
    if not callable(fn):
        if checks is None:
            raise RuntimeError(f"the reference defines no {name}")
        _fail(checks, "runs", f"your code defines no function named {name}")
    return fn


def _call(fn, exercise: Exercise, case: Case, checks: list | None):
    """(model, extra) of one call (``extra``: the transfer exercise's base and whether the
    call left it trainable); a learner's failure (``checks`` given) is the ``runs``
    check's message."""
    k = keras()
    k.utils.set_random_seed(SEED)
    call = f"{exercise.name}({_args(exercise, case)})"
    extra = {}
    try:
        if exercise.kind == "block":
            inputs = k.Input(case.input_shape)
            out = fn(inputs, **case.args)
        elif exercise.kind == "transfer":
            extra["base"] = _base(case.input_shape)
            extra["augmenter"] = _augmenter()
            out = fn(extra["base"], augmenter=extra["augmenter"], **case.args)
            inputs = None
        else:
            out, inputs = fn(**case.args), None
    except Exception as exc:
        if checks is None:
            raise
        _fail(checks, "runs", f"{call} raised {_short(exc)}")
    if exercise.kind == "block":
        if isinstance(out, k.Model) or not isinstance(out, k.KerasTensor):
            what = "None" if out is None else f"a {type(out).__name__}"
            _fail(checks, "runs", f"{call} returned {what}; it must return the block's output "
                  "tensor (end with `return X`)")
        model = k.Model(inputs, out)
    else:
        if not isinstance(out, k.Model):
            what = "None" if out is None else f"a {type(out).__name__}"
            _fail(checks, "runs", f"{call} returned {what}; it must return a keras model")
        model = out
        if exercise.kind == "augmenter":
            model.build((None, *case.input_shape))
    if exercise.kind == "transfer":
        extra["trainable"] = extra["base"].trainable
    return model, extra


def _compare(exercise: Exercise, built, checks: list) -> None:
    shapes, counts = [], []
    for case, (ref, _), (mine, _) in built:
        call = f"{exercise.name}({_args(exercise, case)})"
        if _shape(mine) != _shape(ref):
            shapes.append(f"{call} on {_input(case)} gives {_shape(mine)}; the course's "
                          f"gives {_shape(ref)}")
        if mine.count_params() != ref.count_params():
            counts.append(f"{call} has {mine.count_params():,} parameters; the course's has "
                          f"{ref.count_params():,}")
    _record(checks, "output shape", not shapes, shapes[0] if shapes else
            f"the output shape is right for all {len(built)} calls")
    _record(checks, "parameters", not counts, counts[0] if counts else
            f"{built[0][1][0].count_params():,} parameters, as the course's "
            f"({len(built)} calls)")
    if exercise.kind == "augmenter":
        _augmenter_checks(built, checks)
        return
    if exercise.kind == "transfer":
        _transfer_checks(built, checks)
    structure = None
    for case, (ref, _), (mine, _) in built:
        ref_steps, my_steps = steps(ref.outputs[0]), steps(mine.outputs[0])
        if signature(ref_steps) != signature(my_steps):
            structure = (diagnose.structure(ref_steps, my_steps)
                         or f"the layers differ: yours are {signature(my_steps)}; the "
                         f"course's are {signature(ref_steps)}")
            structure = f"{structure} (for {exercise.name}({_args(exercise, case)}))" \
                if len(built) > 1 else structure
            break
    _record(checks, "structure", structure is None, structure or
            "the same layers in the same order on every path, and the shortcut joins where "
            "the course's does")
    if structure is not None:
        _record(checks, "numbers", False, "not compared: the structure differs")
        return
    problems = []
    for case, (ref, _), (mine, _) in built:
        problem = _numbers(ref, mine)
        if problem:
            hint = diagnose.settings(steps(ref.outputs[0]), steps(mine.outputs[0]))
            problems.append(f"{hint or problem} (for {exercise.name}({_args(exercise, case)}))")
    _record(checks, "numbers", not problems, problems[0] if problems else
            "with the course's weights copied in, your outputs equal the course's "
            f"(to {TOLERANCE:g}) on a fixed random input")


def _numbers(ref, mine) -> str | None:
    ref_layers = [s.layer for s in weighted(steps(ref.outputs[0]))]
    my_layers = [s.layer for s in weighted(steps(mine.outputs[0]))]
    rng = np.random.default_rng(SEED)
    if len(ref_layers) != len(my_layers):
        return "your block has another number of layers with weights than the course's"
    for r, m in zip(ref_layers, my_layers, strict=True):
        values = [_random(v, w.shape, rng) for v, w in zip(r.weights, r.get_weights(),
                                                            strict=True)]
        r.set_weights(values)
        if [v.shape for v in m.get_weights()] != [v.shape for v in values]:
            return f"the weights of your {m.name} have other shapes than the course's"
        m.set_weights(values)
    shape = tuple(ref.inputs[0].shape[1:])
    x = rng.uniform(0, 255 if _is_image_model(ref) else 1, (2, *shape)).astype("float32")
    a = np.asarray(ref(x, training=False))
    b = np.asarray(mine(x, training=False))
    if a.shape != b.shape:
        return f"the outputs have shape {b.shape[1:]}; the course's {a.shape[1:]}"
    if not np.isfinite(a).all():
        raise RuntimeError("the reference's outputs are not finite; the random weights "
                           "need another scale")
    gap = float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(a))))
    if not gap <= TOLERANCE:  # also catches a NaN
        return f"with the same weights and input, your output differs from the course's " \
               f"(largest relative difference {gap:.3g})"
    return None


def _random(variable, shape: tuple, rng) -> np.ndarray:
    """Weights that make every layer matter and keep activations in range: kernels with
    variance 1 / fan-in, scales and variances in [0.5, 1.5], shifts and means in
    [-0.5, 0.5]."""
    name = variable.name
    if "kernel" in name:
        fan_in = int(np.prod(shape[:-1])) if "depthwise" not in name else shape[0] * shape[1]
        return rng.normal(0, 1 / np.sqrt(fan_in), shape).astype("float32")
    if name in ("gamma", "moving_variance"):
        return rng.uniform(0.5, 1.5, shape).astype("float32")
    return rng.uniform(-0.5, 0.5, shape).astype("float32")


def _is_image_model(model) -> bool:
    return any(type(layer).__name__ == "Functional" and layer is not model
               for layer in model.layers)


def _augmenter_checks(built, checks) -> None:
    k = keras()
    (_, (ref, _), (mine, _)), = built
    want = [(type(layer).__name__, _setting(layer)) for layer in ref.layers]
    have = [(type(layer).__name__, _setting(layer)) for layer in getattr(mine, "layers", [])]
    ok = isinstance(mine, k.Sequential) and have == want
    message = ("a keras.Sequential of " + ", ".join(f"{c}({s})" for c, s in want)) if ok else (
        f"yours is a {type(mine).__name__} of " + (", ".join(f"{c}({s})" for c, s in have)
                                                    or "no layers")
        + "; the course's is a Sequential of " + ", ".join(f"{c}({s})" for c, s in want))
    _record(checks, "structure", ok, message)
    x = np.random.default_rng(SEED).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    same = np.allclose(np.asarray(mine(x, training=False)), x, atol=1e-3)
    _record(checks, "numbers", same, "at inference it passes images through unchanged" if same
            else "at inference it changes the images; random augmentation layers pass them "
            "through when training=False")


def _setting(layer) -> str:
    config = layer.get_config()
    if "mode" in config:
        return repr(config["mode"])
    if "factor" in config:
        factor = config["factor"]
        return repr(factor[1] if isinstance(factor, list | tuple) and factor[0] == -factor[1]
                    else factor)
    return ""


def _transfer_checks(built, checks) -> None:
    (_, (ref, _), (mine, extra)), = built
    base = extra["base"]
    _record(checks, "frozen base", not extra["trainable"],
            "the base is frozen (base.trainable = False)" if not extra["trainable"] else
            "the base is left trainable: set `base.trainable = False` before building the model")
    flags = [n.arguments.kwargs.get("training") for n in base._inbound_nodes
             if n.arguments is not None]
    ok = bool(flags) and all(flag is False for flag in flags)
    _record(checks, "training=False", ok,
            "the base is called with training=False" if ok else
            "missing training=False: call the base as `base(x, training=False)`, so its batch "
            "norms keep their statistics even when you fine-tune")


def _base(shape):
    """A stand-in for a pretrained MobileNetV2 without its top, small enough to build in
    a moment: MobileNetV2's first layers (stride-2 convolution, depthwise, projection,
    each with batch norm), random weights, nothing downloaded."""
    k = keras()
    layers = k.layers
    inputs = k.Input(shape)
    x = layers.ReLU(6.0)(layers.BatchNormalization()(
        layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(inputs)))
    x = layers.ReLU(6.0)(layers.BatchNormalization()(
        layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)))
    x = layers.BatchNormalization()(layers.Conv2D(16, 1, use_bias=False)(x))
    return k.Model(inputs, x, name="mobilenetv2_stand_in")


def _augmenter():
    k = keras()
    return k.Sequential([k.layers.RandomFlip("horizontal"), k.layers.RandomRotation(0.2)])


def _shape(model) -> tuple:
    return tuple(model.outputs[0].shape[1:])


def _input(case: Case) -> str:
    return "its defaults" if case.input_shape is None else \
        "an input of " + "×".join(map(str, case.input_shape))


def _args(exercise: Exercise, case: Case) -> str:
    first = {"block": "X, ", "transfer": "base, "}.get(exercise.kind, "")
    return first + ", ".join(f"{k}={v!r}" for k, v in case.args.items())


def _short(exc: BaseException) -> str:
    """``ValueError: … (line 7)``: the error and the learner's line it came from."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == FILENAME:
            line = frame.lineno
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, BlockingIOError):
        text = "it started more processes than the check allows"
    if isinstance(exc, MemoryError):
        text = "it asked for more memory than the check allows"
    if "incompatible shapes" in text:
        text += " (where two paths are added their shapes must match: look at the padding, "\
            "the strides and the filters)"
    where = f" (line {line} of your code)" if line else ""
    return f"{type(exc).__name__}: {text}"[:300] + where


def _record(checks: list, name: str, passed: bool, message: str) -> None:
    checks.append({"name": name, "passed": bool(passed), "message": message})


def _fail(checks: list | None, name: str, message: str):
    _record(checks, name, False, message)
    raise _Failed(message)
