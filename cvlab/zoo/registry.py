"""The zoo's registry: every case-study network by name, with its options and facts.

``get(name, **options)`` checks the options fail-fast and returns the
:class:`~cvlab.zoo.graph.Network` that both the profiler and the Keras builder read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

from cvlab.errors import CvlabError
from cvlab.zoo import classic, efficientnet, googlenet, mobilenet, resnet
from cvlab.zoo.graph import Network
from cvlab.zoo.options import check_choice, check_int
from cvlab.zoo.residual import SHORTCUTS, check_cifar_depth, cifar_entry

KERAS_TABLE = "Keras Applications table, keras.io/api/applications"
TORCHVISION = "torchvision model zoo, IMAGENET1K_V1 weights"
# torchvision's AlexNet follows Krizhevsky 2014 ("one weird trick", 64/192/384/256/256 filters),
# not the 2012 network drawn here; the 2012 paper (Table 2) gives 40.7 % top-1 error, one CNN.
ALEXNET_SOURCE = ("torchvision's AlexNet, the 2014 \"one weird trick\" variant (64/192/384/256/256 "
                  "filters), not the 2012 network drawn; the 2012 paper gives 40.7 % top-1 "
                  "error for one CNN")
# torchvision's GoogLeNet adds batch norm and uses 3×3 kernels in the "5×5" branch; Szegedy et
# al. 2014 (Table 3) report only top-5 error: 10.07 % for one model and one crop.
GOOGLENET_SOURCE = ("torchvision's GoogLeNet, with batch norm and 3×3 kernels in the \"5×5\" "
                    "branch; the paper reports only top-5 error, 10.07 % for one model and "
                    "one crop")

ALPHAS = {
    "mobilenet_v1": (0.25, 0.5, 0.75, 1.0),
    "mobilenet_v2": (0.35, 0.5, 0.75, 1.0, 1.3, 1.4),
}


@dataclass(frozen=True)
class ModelInfo:
    """What the app and CLI know about a zoo entry besides its layers."""

    name: str
    title: str
    family: str
    year: int
    build: Callable[..., Network]
    defaults: Mapping[str, Any]
    top1: float | None = None
    top1_source: str | None = None
    keras_application: str | None = None
    options: tuple[str, ...] = field(default=("resolution", "include_top", "classes"))


def _entry(name, title, family, year, build, defaults, top1=None, source=None, keras_app=None,
           extra=()):
    return ModelInfo(name, title, family, year, build, MappingProxyType(defaults), top1, source,
                     keras_app, ("resolution", "include_top", "classes", *extra))


_ENTRIES = [
    _entry("lenet5", "LeNet-5", "LeNet", 1998, classic.lenet5, {"resolution": 32, "classes": 10}),
    _entry("alexnet", "AlexNet", "AlexNet", 2012, classic.alexnet, {"resolution": 227},
           56.5, ALEXNET_SOURCE),
    _entry("vgg16", "VGG-16", "VGG", 2014, partial(classic.vgg, "vgg16"), {"resolution": 224},
           71.3, KERAS_TABLE, "VGG16"),
    _entry("vgg19", "VGG-19", "VGG", 2014, partial(classic.vgg, "vgg19"), {"resolution": 224},
           71.3, KERAS_TABLE, "VGG19"),
    _entry("resnet18", "ResNet-18", "ResNet", 2015, partial(resnet.resnet, "resnet18"),
           {"resolution": 224}, 69.8, TORCHVISION),
    _entry("resnet34", "ResNet-34", "ResNet", 2015, partial(resnet.resnet, "resnet34"),
           {"resolution": 224}, 73.3, TORCHVISION),
    _entry("resnet50", "ResNet-50", "ResNet", 2015, partial(resnet.resnet, "resnet50"),
           {"resolution": 224}, 74.9, KERAS_TABLE, "ResNet50"),
    _entry("resnet101", "ResNet-101", "ResNet", 2015, partial(resnet.resnet, "resnet101"),
           {"resolution": 224}, 76.4, KERAS_TABLE, "ResNet101"),
    _entry("resnet152", "ResNet-152", "ResNet", 2015, partial(resnet.resnet, "resnet152"),
           {"resolution": 224}, 76.6, KERAS_TABLE, "ResNet152"),
    _entry("cifar_plain", "Plain CIFAR net (6n+2)", "ResNet", 2015, cifar_entry(False),
           {"resolution": 32, "classes": 10, "depth": 20}, extra=("depth",)),
    _entry("cifar_resnet", "ResNet CIFAR (6n+2)", "ResNet", 2015, cifar_entry(True),
           {"resolution": 32, "classes": 10, "depth": 20, "shortcut": "zeropad"},
           extra=("depth", "shortcut")),
    _entry("googlenet", "GoogLeNet (Inception v1)", "Inception", 2014, googlenet.googlenet,
           {"resolution": 224, "aux": False}, 69.8, GOOGLENET_SOURCE, extra=("aux",)),
    _entry("mobilenet_v1", "MobileNet v1", "MobileNet", 2017, mobilenet.mobilenet_v1,
           {"resolution": 224, "alpha": 1.0}, 70.4, KERAS_TABLE, "MobileNet", ("alpha",)),
    _entry("mobilenet_v2", "MobileNet v2", "MobileNet", 2018, mobilenet.mobilenet_v2,
           {"resolution": 224, "alpha": 1.0, "padding": "keras", "bn_epsilon": 1e-3},
           71.3, KERAS_TABLE, "MobileNetV2", ("alpha", "padding", "bn_epsilon")),
]
_EFFICIENTNET_TOP1 = (77.1, 79.1, 80.1, 81.6, 82.9, 83.6, 84.0, 84.3)
for _i, _top1 in enumerate(_EFFICIENTNET_TOP1):
    _res = efficientnet.VARIANTS[f"b{_i}"][2]
    _ENTRIES.append(_entry(f"efficientnet_b{_i}", f"EfficientNet-B{_i}", "EfficientNet", 2019,
                           partial(efficientnet.efficientnet, f"efficientnet_b{_i}"),
                           {"resolution": _res}, _top1, KERAS_TABLE, f"EfficientNetB{_i}"))

REGISTRY: Mapping[str, ModelInfo] = MappingProxyType({e.name: e for e in _ENTRIES})
FAMILIES = tuple(dict.fromkeys(e.family for e in _ENTRIES))


def names() -> list[str]:
    """Zoo entries in teaching order (oldest ideas first)."""
    return list(REGISTRY)


def info(name: str) -> ModelInfo:
    if name not in REGISTRY:
        raise CvlabError(f"Unknown model. Received: {name!r}; allowed: {', '.join(REGISTRY)}.")
    return REGISTRY[name]


def resolve_options(name: str, **options: Any) -> dict[str, Any]:
    """Defaults filled in and every option checked; raises CvlabError on the first bad one."""
    entry = info(name)
    unknown = sorted(set(options) - set(entry.options))
    if unknown:
        raise CvlabError(f"{name}: unknown option. Received: {', '.join(unknown)}; "
                         f"allowed: {', '.join(entry.options)}.")
    merged = {"include_top": True, "classes": 1000, **entry.defaults}
    merged.update({k: v for k, v in options.items() if v is not None})
    check_int("resolution", merged["resolution"], 16, 1024, name)
    check_int("classes", merged["classes"], 1, 100_000, name)
    check_choice("include_top", merged["include_top"], (True, False), name)
    if "alpha" in merged:
        merged["alpha"] = float(merged["alpha"])
        check_choice("alpha", merged["alpha"], ALPHAS[name], name)
    if "aux" in merged:
        check_choice("aux", merged["aux"], (True, False), name)
    if "depth" in merged:
        check_cifar_depth(merged["depth"])
    if "shortcut" in merged:
        check_choice("shortcut", merged["shortcut"], SHORTCUTS[1:], name)
    if "padding" in merged:
        check_choice("padding", merged["padding"], ("keras", "symmetric"), name)
    return merged


def get(name: str, **options: Any) -> Network:
    """The network ``name`` with ``options`` (resolution, alpha, include_top, classes, …)."""
    return info(name).build(**resolve_options(name, **options))
