"""Residual blocks, their shortcuts, and the CIFAR-style plain/residual family.

One definition serves the course's block, ResNet-18/34 and the degradation
experiment. A basic block is two 3×3 "same" convolutions; with a shortcut it
computes the course's a[l+2] = g(z[l+2] + s(a[l])), where s is one of:

* ``"identity"`` — s(a) = a; needs the same shape in and out;
* ``"projection"`` — s(a) = W_s a, a learned 1×1 convolution with the block's stride
  (plus batch norm when the block has it): He et al.'s option B;
* ``"zeropad"`` — parameter-free: subsample by the stride (a 1×1 max-pool, which keeps
  every s-th pixel), then append all-zero channels: option A. The zeros are the input
  scaled by 0, so only built-in layers are needed; the new width must be a multiple of
  the old one (ResNets double it).

``shortcut=None`` gives the plain block: the same two layers, no addition.

The CIFAR family (He et al. 2015, §4.2) has depth 6n + 2: one 3×3 conv with 16
filters, three stages of n blocks (2n layers) at 16, 32 and 64 filters on feature maps
that halve at each new stage (stride-2 first conv), then global average pooling and a
softmax layer. Plain and residual nets of one depth, with zero-padding shortcuts, have
exactly the same parameters.
"""

from __future__ import annotations

from cvlab.errors import CvlabError
from cvlab.zoo.graph import GraphBuilder, Network

SHORTCUTS = ("identity", "projection", "zeropad")
CIFAR_WIDTHS = (16, 32, 64)
CIFAR_BN_MOMENTUM = 0.9  # moving statistics that keep up with a short run


def basic_block(g: GraphBuilder, x: str, filters: int, stride: int = 1, *, name: str,
                shortcut: str | None = "identity", batch_norm: bool = True,
                bn_epsilon: float = 1e-3, bn_momentum: float = 0.99) -> str:
    """Two 3×3 convs (stride on the first); ``shortcut`` as in the module docstring.

    With ``batch_norm`` the convolutions have no bias (batch norm's shift replaces it);
    without it, each convolution has a bias: the course's block,
    z = W a + b. Layer names: ``{name}_0_*`` shortcut, ``_1_*`` and ``_2_*`` the two
    layers, ``_add``, ``_out``.
    """
    if shortcut is not None and shortcut not in SHORTCUTS:
        raise CvlabError(f"Unknown shortcut. Received: {shortcut!r}; allowed: "
                         f"{', '.join(SHORTCUTS)} or None (plain).")
    skip = x if shortcut is None else _shortcut(g, x, filters, stride, shortcut, name=name,
                                                batch_norm=batch_norm, bn_epsilon=bn_epsilon,
                                                bn_momentum=bn_momentum)
    bn = {"epsilon": bn_epsilon, "momentum": bn_momentum}
    y = g.conv(x, filters, 3, stride, use_bias=not batch_norm, name=f"{name}_1_conv")
    if batch_norm:
        y = g.bn(y, **bn, name=f"{name}_1_bn")
    y = g.act(y, "relu", name=f"{name}_1_relu")
    y = g.conv(y, filters, 3, use_bias=not batch_norm, name=f"{name}_2_conv")
    if batch_norm:
        y = g.bn(y, **bn, name=f"{name}_2_bn")
    if shortcut is not None:
        y = g.add([skip, y], name=f"{name}_add")
    return g.act(y, "relu", name=f"{name}_out")


def bottleneck_block(g: GraphBuilder, x: str, filters: int, stride: int = 1, *, name: str,
                     projection: bool, bn_epsilon: float = 1.001e-5) -> str:
    """ResNet-50's blocks: 1×1 reduce (with the stride) → 3×3 → 1×1 expand to 4×filters.

    ``projection=False`` is the identity block (same shape in and out, or the
    graph builder refuses the addition);
    ``projection=True`` the convolutional block, whose shortcut is a learned 1×1
    convolution with the stride, plus batch norm. Convolutions keep their bias, as in
    Keras Applications and the course's assignment.
    """
    skip = x
    if projection:
        skip = g.conv(x, 4 * filters, 1, stride, name=f"{name}_0_conv")
        skip = g.bn(skip, epsilon=bn_epsilon, name=f"{name}_0_bn")
    y = g.conv(x, filters, 1, stride, name=f"{name}_1_conv")
    y = g.bn(y, epsilon=bn_epsilon, name=f"{name}_1_bn")
    y = g.act(y, "relu", name=f"{name}_1_relu")
    y = g.conv(y, filters, 3, name=f"{name}_2_conv")
    y = g.bn(y, epsilon=bn_epsilon, name=f"{name}_2_bn")
    y = g.act(y, "relu", name=f"{name}_2_relu")
    y = g.conv(y, 4 * filters, 1, name=f"{name}_3_conv")
    y = g.bn(y, epsilon=bn_epsilon, name=f"{name}_3_bn")
    y = g.add([skip, y], name=f"{name}_add")
    return g.act(y, "relu", name=f"{name}_out")


def _shortcut(g: GraphBuilder, x: str, filters: int, stride: int, kind: str, *, name: str,
              batch_norm: bool, bn_epsilon: float, bn_momentum: float) -> str:
    if kind == "identity":  # a shape mismatch fails at the addition, as it is added
        return x
    if kind == "projection":
        skip = g.conv(x, filters, 1, stride, use_bias=not batch_norm, name=f"{name}_0_conv")
        if batch_norm:
            skip = g.bn(skip, epsilon=bn_epsilon, momentum=bn_momentum, name=f"{name}_0_bn")
        return skip
    channels = g.shape(x)[-1]
    if filters % channels:
        raise CvlabError(f"{name}: a zero-padding shortcut appends copies of zero channels. "
                         f"Received: {channels} → {filters} channels; allowed: a multiple "
                         f"of {channels}.")
    skip = x
    if stride != 1:
        skip = g.maxpool(skip, 1, stride, name=f"{name}_0_subsample")
    if filters == channels:
        return skip
    zeros = g.rescale(skip, 0.0, name=f"{name}_0_zeros")
    return g.concat([skip] + [zeros] * (filters // channels - 1), name=f"{name}_0_pad")


def check_cifar_depth(depth) -> int:
    """Depth 6n + 2 with n ≥ 1 (8, 14, 20, 26, 32, … 56 … 110)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise CvlabError(f"CIFAR-style depth must be 6n + 2 layers. Received: depth={depth!r}; "
                         "allowed: 8, 14, 20, 26, 32, 38, 44, 50, 56, … (up to 200).")
    if depth > 200:
        raise CvlabError(f"CIFAR-style depth must be 6n + 2 layers. Received: depth={depth}; "
                         "allowed: 8 to 200.")
    return depth


def cifar_net(depth: int, residual: bool = True, *, input_shape=(32, 32, 3), classes: int = 10,
              include_top: bool = True, shortcut: str = "zeropad",
              widths: tuple[int, int, int] = CIFAR_WIDTHS) -> Network:
    """He et al.'s CIFAR network of ``depth`` = 6n + 2 weight layers, plain or residual.

    ``shortcut`` (residual only) is used where the shape changes; elsewhere shortcuts are
    identities. Batch norm follows every convolution, before the ReLU.
    """
    n = (check_cifar_depth(depth) - 2) // 6
    family = "resnet" if residual else "plain"
    name = f"cifar_{family}{depth}"
    g = GraphBuilder(name, "ResNet" if residual else "Plain", tuple(input_shape))
    bn = {"momentum": CIFAR_BN_MOMENTUM}
    with g.stage("stem"):
        x = g.conv(g.last, widths[0], 3, use_bias=False, name="stem_conv")
        x = g.bn(x, **bn, name="stem_bn")
        x = g.act(x, "relu", name="stem_relu")
    for s, width in enumerate(widths, 1):
        with g.stage(f"stage{s}"):
            for i in range(1, n + 1):
                stride = 2 if (i == 1 and s > 1) else 1
                kind = (shortcut if stride != 1 else "identity") if residual else None
                x = basic_block(g, x, width, stride, shortcut=kind, bn_momentum=bn["momentum"],
                                name=f"stage{s}_block{i}")
    if include_top:
        with g.stage("head"):
            x = g.gap(x, name="avg_pool")
            g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(depth=depth, residual=residual, shortcut=shortcut if residual else None,
                     include_top=include_top, classes=classes)


def cifar_entry(residual: bool):
    """The registry's builder for ``cifar_resnet`` / ``cifar_plain`` (RGB input)."""

    def build(resolution: int, include_top: bool, classes: int, depth: int,
              shortcut: str = "zeropad") -> Network:
        return cifar_net(depth, residual, input_shape=(resolution, resolution, 3),
                         classes=classes, include_top=include_top, shortcut=shortcut)

    return build


def single_block(kind: str = "basic", input_shape=(8, 8, 16), filters: int | None = None,
                 stride: int = 1, shortcut: str | None = "identity",
                 batch_norm: bool = False) -> Network:
    """One block as a network of its own, for the identity demo and the tests.

    ``kind="basic"``: :func:`basic_block`; the default is the course's block (biased
    convolutions, no batch norm). ``kind="bottleneck"``: ResNet-50's identity block
    (``shortcut="identity"``) or convolutional block (``shortcut="projection"``);
    ``filters`` is then the bottleneck width (output 4 × filters).
    """
    g = GraphBuilder(f"{kind}_block", "ResNet", tuple(input_shape))
    if kind == "bottleneck":
        bottleneck_block(g, g.last, filters or input_shape[-1] // 4, stride,
                         projection=shortcut == "projection", name="block")
    else:
        basic_block(g, g.last, filters or input_shape[-1], stride, shortcut=shortcut,
                    batch_norm=batch_norm, name="block")
    return g.network(kind=kind, shortcut=shortcut, batch_norm=batch_norm)
