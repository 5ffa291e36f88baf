"""An augmentation pipeline as plain data: validated, JSON-serialisable, TensorFlow-free.

A :class:`PipelineSpec` is an ordered tuple of :class:`Step` records, each an
operation name from :data:`OPS` and its complete parameter mapping (defaults
filled in). The same spec drives the preview grid, the trainer's pipeline
(:func:`cvlab.augment.build.build_pipeline`) and the generated code, so what
the studio shows is what training applies.

Conventions: images are float32 in [0, 255], channels-last (H, W, 3). Factors
are fractions of the image size, of a full turn (rotation) or of the value
range, as in Keras; offsets are in pixel values; probabilities are in [0, 1].
Each operation appears at most once, and the batch-level mixing operations
(``mixup``, ``cutmix``) come after every per-image step.

JSON form::

    {"format": "cvlab.augment", "version": 1,
     "steps": [{"op": "flip", "mode": "horizontal"}, {"op": "rotation", "factor": 0.05}]}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cvlab.errors import CvlabError

FORMAT = "cvlab.augment"
VERSION = 1

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


@dataclass(frozen=True)
class Param:
    """One parameter: its kind, default and bounds.

    ``kind`` is ``float``, ``int``, ``bool``, ``choice``, ``vec3`` (three floats),
    ``range`` (two floats, low ≤ high) or ``mat3`` (3×3 floats). Bounds apply to
    every number inside the value. ``optional`` parameters also accept ``None``.
    """

    kind: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    help: str = ""


@dataclass(frozen=True)
class Op:
    """An operation: the layer that implements it, its parameters, and its level."""

    layer: str
    title: str
    params: Mapping[str, Param]
    batch: bool = False


def _fraction(default: float, hi: float, help: str) -> Param:
    """A float parameter from 0 to ``hi``."""
    return Param("float", default, 0.0, hi, help=help)


def _fill(default: str = "reflect") -> Param:
    return Param("choice", default, choices=FILL_MODES, help="How to fill pixels moved in")


#: Every operation a pipeline may hold, in the order the studio lists them.
OPS: Mapping[str, Op] = MappingProxyType(
    {
        "flip": Op("RandomFlip", "Mirroring", {"mode": Param(
            "choice", "horizontal", choices=FLIP_MODES,
            help="Each image is mirrored with probability ½ (each axis on its own for both)")}),
        "crop": Op("RandomCrop", "Random crop", {
            "height": Param("int", 192, 8, 4096, help="Crop height in pixels; the window's top "
                            "edge is drawn uniformly from 0 to image height − height"),
            "width": Param("int", 192, 8, 4096, help="Crop width in pixels; the window's left "
                           "edge is drawn uniformly from 0 to image width − width"),
        }),
        "rotation": Op("RandomRotation", "Rotation", {
            "factor": _fraction(0.05, 0.5, "Angle drawn uniformly from ± factor × 360°"),
            "fill_mode": _fill(),
        }),
        "zoom": Op("RandomZoom", "Zoom", {
            "factor": _fraction(0.15, 0.9,
                                "Scale drawn uniformly from 1 ± factor (above 1 zooms out)"),
            "fill_mode": _fill(),
        }),
        "translation": Op("RandomTranslation", "Translation", {
            "height_factor": _fraction(0.1, 0.5,
                                       "Vertical shift drawn uniformly from ± factor × height"),
            "width_factor": _fraction(0.1, 0.5,
                                      "Horizontal shift drawn uniformly from ± factor × width"),
            "fill_mode": _fill(),
        }),
        "shear": Op("RandomShear", "Shear", {
            "x_factor": _fraction(0.1, 1.0, "Horizontal shear drawn uniformly from ± x_factor"),
            "y_factor": _fraction(0.0, 1.0, "Vertical shear drawn uniformly from ± y_factor"),
            "fill_mode": _fill(),
        }),
        "contrast": Op("RandomContrast", "Contrast", {
            "factor": _fraction(0.2, 1.0,
                                "Contrast multiplied by a number drawn uniformly from 1 ± factor"),
        }),
        "brightness": Op("RandomBrightness", "Brightness", {
            "factor": _fraction(0.15, 1.0, "Every pixel shifted by a number drawn uniformly "
                                "from ± factor × 255"),
        }),
        "hue": Op("RandomHue", "Hue", {
            "factor": _fraction(0.05, 1.0, "Hue turned by an angle drawn from ± factor × 180°"),
        }),
        "saturation": Op("RandomSaturation", "Saturation", {
            "strength": _fraction(0.2, 0.45, "Saturation multiplied by f / (1 − f), f drawn "
                                  "uniformly from 0.5 ± strength (0.2 gives 0.43× to 2.33×)"),
        }),
        "rgb_shift": Op("RGBShift", "RGB channel shift", {
            "offsets": Param("vec3", (20.0, 10.0, -5.0), -255.0, 255.0,
                             help="Per-channel offsets (R, G, B) in pixel values; with random, "
                                  "each is drawn uniformly from ± |offset|"),
            "random": Param("bool", True,
                            help="Draw each offset in ± |offset|, or add the offsets as they are"),
        }),
        # Krizhevsky et al. 2012 §4.1: PCA over the RGB pixels of the whole training set,
        # σ = 0.1. Without eigenvalues and eigenvectors the layer uses each image's own PCA.
        "pca_color": Op("PCAColor", "PCA colour (per-image variant of AlexNet's)", {
            "sigma": _fraction(0.1, 5.0, "Each colour-noise weight α (not the MixUp α) drawn "
                               "from a normal distribution, mean 0 and this standard "
                               "deviation (no bounds)"),
            "eigvals": Param("vec3", None, 0.0, 10.0, optional=True,
                             help="Eigenvalues of the [0, 1] RGB covariance. AlexNet's come "
                                  "from the training set's pixels; None: each image's own "
                                  "(a variant)"),
            "eigvecs": Param("mat3", None, -1.0, 1.0, optional=True,
                             help="Unit eigenvectors as columns, from the training set for "
                                  "AlexNet's version; None: each image's own (a variant)"),
        }),
        "grayscale": Op("RandomGrayscale", "Grayscale", {
            "probability": _fraction(0.2, 1.0, "Each image turns grey with this probability"),
        }),
        "blur": Op("RandomGaussianBlur", "Gaussian blur", {
            "probability": _fraction(0.5, 1.0, "Each image is blurred with this probability"),
            "kernel_size": Param("int", 5, 3, 15, help="Odd kernel width in pixels"),
            "sigma": Param("float", 1.0, 0.1, 1.0,
                           help="Blur σ drawn uniformly from 0 to sigma pixels, one σ per "
                                "batch (Keras caps it at 1)"),
        }),
        "erasing": Op("RandomErasing", "Random erasing", {
            "probability": _fraction(0.5, 1.0,
                                     "Each image gets a box erased with this probability"),
            "scale": Param("range", (0.02, 0.2), 0.0, 1.0,
                           help="Erased area drawn from low to high, as a fraction of the image"),
        }),
        "mixup": Op("MixUp", "MixUp", {
            "alpha": Param("float", 0.2, 0.01, 10.0,
                           help="The image's own share drawn from Beta(α, α), between 0 and 1 "
                                "(this α is Beta's shape, not the colour-noise α)"),
        }, batch=True),
        "cutmix": Op("CutMix", "CutMix", {
            "factor": Param("float", 1.0, 0.01, 1.0,
                            help="The image's own share drawn from Beta(α, α), between 0 and 1, "
                                 "with α drawn uniformly from (0, factor]"),
        }, batch=True),
    }
)


@dataclass(frozen=True)
class Step:
    """One operation with its full, validated parameters (tuples, never lists)."""

    op: str
    params: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, **{k: _jsonable(v) for k, v in self.params.items()}}


@dataclass(frozen=True)
class PipelineSpec:
    """An ordered, validated pipeline. Build one with :func:`make_spec`."""

    steps: tuple[Step, ...] = ()

    @property
    def image_steps(self) -> tuple[Step, ...]:
        """Per-image steps: the ones :func:`~cvlab.augment.build.build_pipeline` uses."""
        return tuple(s for s in self.steps if not OPS[s.op].batch)

    @property
    def batch_steps(self) -> tuple[Step, ...]:
        """Mixing steps, which need a batch (and its labels) to act on."""
        return tuple(s for s in self.steps if OPS[s.op].batch)

    def get(self, op: str) -> Step | None:
        return next((s for s in self.steps if s.op == op), None)


def make_step(op: str, **params: Any) -> Step:
    """Validate one step, filling parameters left out with their defaults."""
    if op not in OPS:
        raise CvlabError(f"Received op {op!r}; allowed: {', '.join(OPS)}")
    spec = OPS[op].params
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise CvlabError(
            f"Received parameter {unknown[0]!r} for {op!r}; allowed: {', '.join(spec) or 'none'}"
        )
    values = {name: _check(op, name, p, params.get(name, p.default)) for name, p in spec.items()}
    if op == "blur" and values["kernel_size"] % 2 == 0:
        raise CvlabError(
            f"Received blur.kernel_size={values['kernel_size']}; allowed: an odd integer"
        )
    if op == "pca_color" and (values["eigvals"] is None) != (values["eigvecs"] is None):
        raise CvlabError(
            "Received only one of pca_color.eigvals and pca_color.eigvecs; "
            "allowed: both (dataset statistics) or neither (computed per image)"
        )
    return Step(op, MappingProxyType(values))


def make_spec(steps: list[Step] | tuple[Step, ...]) -> PipelineSpec:
    """Check the order rules (each op once, mixing last) and freeze the pipeline."""
    seen: set[str] = set()
    mixing_started = False
    for step in steps:
        if step.op in seen:
            raise CvlabError(f"Received op {step.op!r} twice; allowed: each op at most once")
        seen.add(step.op)
        if OPS[step.op].batch:
            mixing_started = True
        elif mixing_started:
            raise CvlabError(
                f"Received per-image op {step.op!r} after a mixing op; "
                "allowed: mixup/cutmix only at the end"
            )
    return PipelineSpec(tuple(steps))


def default_spec() -> PipelineSpec:
    """A mild, label-safe starting point for natural photos."""
    ops = ("flip", "rotation", "zoom", "contrast", "brightness")
    return make_spec([make_step(op) for op in ops])


def spec_from_dict(data: Any) -> PipelineSpec:
    """Read the JSON form (already parsed). Missing parameters take their defaults."""
    if not isinstance(data, Mapping):
        raise CvlabError(f"Received {type(data).__name__}; allowed: a JSON object with 'steps'")
    if data.get("format", FORMAT) != FORMAT or data.get("version", VERSION) != VERSION:
        raise CvlabError(
            f"Received format={data.get('format')!r} version={data.get('version')!r}; "
            f"allowed: format={FORMAT!r} version={VERSION}"
        )
    extra = sorted(set(data) - {"format", "version", "steps"})
    if extra:
        raise CvlabError(f"Received key {extra[0]!r}; allowed: format, version, steps")
    steps = data.get("steps")
    if not isinstance(steps, list):
        raise CvlabError(f"Received steps={steps!r}; allowed: a list of step objects")
    out = []
    for i, raw in enumerate(steps):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("op"), str):
            raise CvlabError(f"Received steps[{i}]={raw!r}; allowed: an object with an 'op' name")
        out.append(make_step(raw["op"], **{k: v for k, v in raw.items() if k != "op"}))
    return make_spec(out)


#: Limits on an imported pipeline, checked before or while it is parsed: its size, how deep
#: it nests (a full pipeline nests 5 deep: object, steps, step, matrix, row) and the
#: characters of one number (``json`` would otherwise recurse 100,000 deep, or turn a
#: 5,000-digit integer into an error, or a 400-digit one into an overflow).
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 8
MAX_NUMBER_CHARS = 32


def spec_from_json(text: str | bytes) -> PipelineSpec:
    """Parse and validate a pipeline exported by :func:`spec_to_json`, within the limits
    above; :class:`CvlabError` for anything else."""
    if len(text) > MAX_JSON_BYTES:
        raise CvlabError(f"Received a pipeline of {len(text):,} bytes; allowed: at most "
                         f"{MAX_JSON_BYTES:,} bytes.")
    try:
        text = text.decode() if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        raise CvlabError("Received a pipeline that is not UTF-8 text; allowed: a JSON file "
                         "exported by the Augmentation Studio.") from None
    depth = _nesting(text)
    if depth > MAX_JSON_DEPTH:
        raise CvlabError(f"Received JSON nested {depth:,} levels deep; allowed: at most "
                         f"{MAX_JSON_DEPTH}.")
    try:
        data = json.loads(text, parse_int=_number(int), parse_float=_number(float),
                          parse_constant=_number(float))
    except json.JSONDecodeError as exc:
        raise CvlabError(f"Received text that is not valid JSON ({exc}); allowed: a JSON "
                         'object such as {"steps": [{"op": "flip"}]}') from None
    return spec_from_dict(data)


def _nesting(text: str) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (no recursion, one pass)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif in_string:
            escaped, in_string = char == "\\", char != '"'
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _number(kind: type):
    def parse(literal: str):
        if len(literal) > MAX_NUMBER_CHARS:
            raise CvlabError(f"Received a number of {len(literal):,} characters "
                             f"({literal[:12]}…); allowed: at most {MAX_NUMBER_CHARS}.")
        return kind(literal)
    return parse


def spec_to_dict(spec: PipelineSpec) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "steps": [s.to_dict() for s in spec.steps]}


def spec_to_json(spec: PipelineSpec) -> str:
    """Stable, human-readable JSON: the same spec always gives the same text."""
    return json.dumps(spec_to_dict(spec), indent=2)


def _check(op: str, name: str, p: Param, value: Any) -> Any:
    where = f"{op}.{name}={value!r}"
    if value is None and p.optional:
        return None
    if p.kind == "choice":
        if value not in p.choices:
            raise CvlabError(f"Received {where}; allowed: {', '.join(p.choices)}")
        return value
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise CvlabError(f"Received {where}; allowed: true or false")
        return value
    shape = {"float": (), "int": (), "vec3": (3,), "range": (2,), "mat3": (3, 3)}[p.kind]
    numbers = _numbers(value, shape)
    if numbers is None:
        kinds = {"float": "a number", "int": "an integer", "vec3": "a list of 3 numbers",
                 "range": "a list [low, high]", "mat3": "a 3×3 list of numbers"}
        raise CvlabError(f"Received {where}; allowed: {kinds[p.kind]}")
    flat = _flatten(numbers)
    if p.kind == "int" and any(not float(v).is_integer() for v in flat):
        raise CvlabError(f"Received {where}; allowed: an integer")
    if any(not math.isfinite(v) or v < p.lo or v > p.hi for v in flat):
        raise CvlabError(f"Received {where}; allowed: {p.lo:g} ≤ {name} ≤ {p.hi:g}")
    if p.kind == "range" and numbers[0] > numbers[1]:
        raise CvlabError(f"Received {where}; allowed: low ≤ high")
    if p.kind == "int":
        return int(numbers)
    return numbers


def _numbers(value: Any, shape: tuple[int, ...]) -> Any:
    """``value`` as floats (nested tuples) of ``shape``, or None if it is not one."""
    if not shape:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if is_number else None
    if not isinstance(value, list | tuple) or len(value) != shape[0]:
        return None
    items = [_numbers(v, shape[1:]) for v in value]
    return None if any(i is None for i in items) else tuple(items)


def _flatten(numbers: Any) -> list[float]:
    return [numbers] if isinstance(numbers, float) else [x for n in numbers for x in _flatten(n)]


def _jsonable(value: Any) -> Any:
    return [_jsonable(v) for v in value] if isinstance(value, tuple) else value
