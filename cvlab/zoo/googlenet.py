"""GoogLeNet (Inception v1, 2014), with its two optional auxiliary classifiers.

Convolutions carry a bias and ReLU, as in the paper; local response
normalisation is left out. The auxiliary heads only help training: they add
gradient half-way down and are thrown away for inference, so ``aux=False``
is the deployable network.
"""

from __future__ import annotations

from cvlab.zoo.graph import GraphBuilder, Network

#: Inception modules: (1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool projection).
MODULES = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
AUX_AFTER = {"4a": "aux1", "4d": "aux2"}


def googlenet(resolution: int = 224, include_top: bool = True, classes: int = 1000,
              aux: bool = False) -> Network:
    g = GraphBuilder("googlenet", "Inception", (resolution, resolution, 3))
    x = g.last
    with g.stage("stem"):
        x = g.conv(x, 64, 7, 2, activation="relu", name="conv1_7x7_s2")
        x = g.maxpool(x, 3, 2, padding="same", name="pool1_3x3_s2")
        x = g.conv(x, 64, 1, activation="relu", name="conv2_3x3_reduce")
        x = g.conv(x, 192, 3, activation="relu", name="conv2_3x3")
        x = g.maxpool(x, 3, 2, padding="same", name="pool2_3x3_s2")
    outputs = []
    for key, widths in MODULES.items():
        with g.stage(f"inception{key[0]}"):
            if key in ("4a", "5a"):
                x = g.maxpool(x, 3, 2, padding="same", name=f"pool{int(key[0]) - 1}_3x3_s2")
            x = inception_module(g, x, widths, name=f"inception_{key}")
        if aux and include_top and key in AUX_AFTER:
            outputs.append(_aux_head(g, x, classes, name=AUX_AFTER[key]))
    if include_top:
        with g.stage("head"):
            x = g.gap(x, name="pool5_avg")
            x = g.dropout(x, 0.4, name="pool5_drop")
            x = g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(outputs=(x, *outputs), resolution=resolution, include_top=include_top,
                     classes=classes, aux=aux)


def inception_module(g: GraphBuilder, x: str, widths: tuple[int, ...], *, name: str) -> str:
    """Four parallel branches, concatenated along channels; 1×1 convs cut cost first."""
    b1, r3, b3, r5, b5, pp = widths
    one = g.conv(x, b1, 1, activation="relu", name=f"{name}_1x1")
    three = g.conv(x, r3, 1, activation="relu", name=f"{name}_3x3_reduce")
    three = g.conv(three, b3, 3, activation="relu", name=f"{name}_3x3")
    five = g.conv(x, r5, 1, activation="relu", name=f"{name}_5x5_reduce")
    five = g.conv(five, b5, 5, activation="relu", name=f"{name}_5x5")
    pool = g.maxpool(x, 3, 1, padding="same", name=f"{name}_pool")
    pool = g.conv(pool, pp, 1, activation="relu", name=f"{name}_pool_proj")
    return g.concat([one, three, five, pool], name=f"{name}_output")


def _aux_head(g: GraphBuilder, x: str, classes: int, *, name: str) -> str:
    with g.stage(name):
        x = g.avgpool(x, 5, 3, name=f"{name}_avg_pool")
        x = g.conv(x, 128, 1, activation="relu", name=f"{name}_conv")
        x = g.flatten(x, name=f"{name}_flatten")
        x = g.dense(x, 1024, activation="relu", name=f"{name}_fc")
        x = g.dropout(x, 0.7, name=f"{name}_drop")
        return g.dense(x, classes, activation="softmax", name=f"{name}_predictions")
