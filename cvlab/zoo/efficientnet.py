"""EfficientNet B0–B7: MobileNetV2-style blocks with squeeze-and-excitation, compound-scaled.

B0 is written once as a table; B1–B7 are derived from it by the published
(width, depth, resolution) coefficients, with the reference rounding, and
follow Keras Applications layer for layer.
"""

from __future__ import annotations

from cvlab.zoo.graph import GraphBuilder, Network
from cvlab.zoo.scaling import round_filters, round_repeats

#: B0 stages: (kernel, repeats, filters in, filters out, expansion, first stride).
B0_STAGES = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
             (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
             (3, 1, 192, 320, 6, 1))
SE_RATIO = 0.25
DROP_CONNECT = 0.2

#: Published scaling: (width coefficient, depth coefficient, resolution, top dropout).
VARIANTS = {
    "b0": (1.0, 1.0, 224, 0.2),
    "b1": (1.0, 1.1, 240, 0.2),
    "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3),
    "b4": (1.4, 1.8, 380, 0.4),
    "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5),
    "b7": (2.0, 3.1, 600, 0.5),
}


def efficientnet(name: str, resolution: int | None = None, include_top: bool = True,
                 classes: int = 1000) -> Network:
    width, depth, default_res, top_dropout = VARIANTS[name.rsplit("_", 1)[1]]
    return scaled_efficientnet(width, depth, resolution or default_res, top_dropout, name=name,
                               include_top=include_top, classes=classes)


def scaled_efficientnet(width: float, depth: float, resolution: int, top_dropout: float = 0.2,
                        *, name: str = "efficientnet", include_top: bool = True,
                        classes: int = 1000) -> Network:
    """B0 grown by any width and depth coefficients, at any resolution (the compound lab)."""
    g = GraphBuilder(name, "EfficientNet", (resolution, resolution, 3))
    x = g.last
    with g.stage("stem"):
        x = g.rescale(x, 1 / 255, name="rescaling")
        x = g.normalize(x, name="normalization")
        x = g.pad(x, g.correct_pad(x, 3), name="stem_conv_pad")
        x = g.conv(x, round_filters(32, width), 3, 2, "valid", use_bias=False, name="stem_conv")
        x = g.bn(x, name="stem_bn")
        x = g.act(x, "swish", name="stem_activation")
    total = sum(round_repeats(stage[1], depth) for stage in B0_STAGES)
    b = 0
    for s, (kernel, repeats, f_in, f_out, expand, stride) in enumerate(B0_STAGES, 1):
        f_in, f_out = round_filters(f_in, width), round_filters(f_out, width)
        with g.stage(f"stage{s}"):
            for j in range(round_repeats(repeats, depth)):
                x = mbconv_se(g, x, f_in if j == 0 else f_out, f_out, kernel,
                              stride if j == 0 else 1, expand, DROP_CONNECT * b / total,
                              name=f"block{s}{chr(j + 97)}_")
                b += 1
    with g.stage("top"):
        x = g.conv(x, round_filters(1280, width), 1, use_bias=False, name="top_conv")
        x = g.bn(x, name="top_bn")
        x = g.act(x, "swish", name="top_activation")
    if include_top:
        with g.stage("head"):
            x = g.gap(x, name="avg_pool")
            x = g.dropout(x, top_dropout, name="top_dropout")
            g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(resolution=resolution, include_top=include_top, classes=classes,
                     width_coefficient=width, depth_coefficient=depth)


def mbconv_se(g: GraphBuilder, x: str, f_in: int, f_out: int, kernel: int, stride: int,
              expand: int, drop_rate: float, *, name: str) -> str:
    """Inverted residual with squeeze-and-excitation; the skip uses stochastic depth."""
    inputs = x
    filters = f_in * expand
    if expand != 1:
        x = g.conv(x, filters, 1, use_bias=False, name=f"{name}expand_conv")
        x = g.bn(x, name=f"{name}expand_bn")
        x = g.act(x, "swish", name=f"{name}expand_activation")
    if stride == 2:
        x = g.pad(x, g.correct_pad(x, kernel), name=f"{name}dwconv_pad")
    x = g.dwconv(x, kernel, stride, "same" if stride == 1 else "valid", name=f"{name}dwconv")
    x = g.bn(x, name=f"{name}bn")
    x = g.act(x, "swish", name=f"{name}activation")
    se = g.gap(x, name=f"{name}se_squeeze")
    se = g.reshape(se, (1, 1, filters), name=f"{name}se_reshape")
    se = g.conv(se, max(1, int(f_in * SE_RATIO)), 1, activation="swish", name=f"{name}se_reduce")
    se = g.conv(se, filters, 1, activation="sigmoid", name=f"{name}se_expand")
    x = g.multiply([x, se], name=f"{name}se_excite")
    x = g.conv(x, f_out, 1, use_bias=False, name=f"{name}project_conv")
    x = g.bn(x, name=f"{name}project_bn")
    if stride == 1 and f_in == f_out:
        if drop_rate > 0:
            x = g.dropout(x, drop_rate, per_sample=True, name=f"{name}drop")
        x = g.add([x, inputs], name=f"{name}add")
    return x
