"""ResNets: basic blocks (18, 34) and bottleneck blocks (50, 101, 152).

The blocks are :mod:`cvlab.zoo.residual`'s. The bottleneck nets follow Keras
Applications' ResNet v1 exactly (biased convolutions, stride on the first 1×1, BN
epsilon 1.001e-5), so their counts can be checked against ``keras.applications``.
The basic-block nets follow the paper and torchvision: bias-free convolutions
followed by batch norm.
"""

from __future__ import annotations

from functools import partial

from cvlab.zoo.graph import GraphBuilder, Network
from cvlab.zoo.residual import basic_block, bottleneck_block

STAGE_BLOCKS = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}
STAGE_WIDTHS = (64, 128, 256, 512)
BN_EPS = 1.001e-5


def resnet(name: str, resolution: int = 224, include_top: bool = True,
           classes: int = 1000) -> Network:
    kind, blocks = STAGE_BLOCKS[name]
    bottleneck = kind == "bottleneck"
    g = GraphBuilder(name, "ResNet", (resolution, resolution, 3))
    x = g.last
    with g.stage("conv1"):
        x = g.pad(x, ((3, 3), (3, 3)), name="conv1_pad")
        x = g.conv(x, 64, 7, 2, padding="valid", use_bias=bottleneck, name="conv1_conv")
        x = g.bn(x, epsilon=BN_EPS, name="conv1_bn")
        x = g.act(x, "relu", name="conv1_relu")
        x = g.pad(x, ((1, 1), (1, 1)), name="pool1_pad")
        x = g.maxpool(x, 3, 2, name="pool1_pool")
    for s, (count, width) in enumerate(zip(blocks, STAGE_WIDTHS, strict=True), 2):
        with g.stage(f"conv{s}_x"):
            for i in range(1, count + 1):
                stride = 2 if (i == 1 and s > 2) else 1
                block = (partial(bottleneck_block, projection=i == 1) if bottleneck else
                         partial(basic_block, shortcut="projection" if stride != 1
                                 else "identity", bn_epsilon=BN_EPS))
                x = block(g, x, width, stride, name=f"conv{s}_block{i}")
    if include_top:
        with g.stage("head"):
            x = g.gap(x, name="avg_pool")
            g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(resolution=resolution, include_top=include_top, classes=classes)
