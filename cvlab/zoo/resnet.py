"""ResNets: basic blocks (18, 34) and bottleneck blocks (50, 101, 152).

The bottleneck nets follow Keras Applications' ResNet v1 exactly (biased
convolutions, stride on the first 1×1, BN epsilon 1.001e-5), so their counts
can be checked against ``keras.applications``. The basic-block nets follow the
paper and torchvision: bias-free convolutions followed by batch norm.
"""

from __future__ import annotations

from cvlab.zoo.graph import GraphBuilder, Network

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
    block = _bottleneck_block if bottleneck else _basic_block
    for s, (count, width) in enumerate(zip(blocks, STAGE_WIDTHS, strict=True), 2):
        with g.stage(f"conv{s}_x"):
            for i in range(1, count + 1):
                stride = 2 if (i == 1 and s > 2) else 1
                x = block(g, x, width, stride, shortcut=(i == 1), name=f"conv{s}_block{i}")
    if include_top:
        with g.stage("head"):
            x = g.gap(x, name="avg_pool")
            g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(resolution=resolution, include_top=include_top, classes=classes)


def _bottleneck_block(g: GraphBuilder, x: str, filters: int, stride: int, *,
                      shortcut: bool, name: str) -> str:
    """1×1 reduce → 3×3 → 1×1 expand (×4), added to a projection or identity shortcut."""
    skip = x
    if shortcut:
        skip = g.conv(x, 4 * filters, 1, stride, name=f"{name}_0_conv")
        skip = g.bn(skip, epsilon=BN_EPS, name=f"{name}_0_bn")
    x = g.conv(x, filters, 1, stride, name=f"{name}_1_conv")
    x = g.bn(x, epsilon=BN_EPS, name=f"{name}_1_bn")
    x = g.act(x, "relu", name=f"{name}_1_relu")
    x = g.conv(x, filters, 3, name=f"{name}_2_conv")
    x = g.bn(x, epsilon=BN_EPS, name=f"{name}_2_bn")
    x = g.act(x, "relu", name=f"{name}_2_relu")
    x = g.conv(x, 4 * filters, 1, name=f"{name}_3_conv")
    x = g.bn(x, epsilon=BN_EPS, name=f"{name}_3_bn")
    x = g.add([skip, x], name=f"{name}_add")
    return g.act(x, "relu", name=f"{name}_out")


def _basic_block(g: GraphBuilder, x: str, filters: int, stride: int, *,
                 shortcut: bool, name: str) -> str:
    """Two 3×3 convolutions; a 1×1 projection where the shape changes."""
    skip = x
    if shortcut and stride != 1:
        skip = g.conv(x, filters, 1, stride, use_bias=False, name=f"{name}_0_conv")
        skip = g.bn(skip, epsilon=BN_EPS, name=f"{name}_0_bn")
    x = g.conv(x, filters, 3, stride, use_bias=False, name=f"{name}_1_conv")
    x = g.bn(x, epsilon=BN_EPS, name=f"{name}_1_bn")
    x = g.act(x, "relu", name=f"{name}_1_relu")
    x = g.conv(x, filters, 3, use_bias=False, name=f"{name}_2_conv")
    x = g.bn(x, epsilon=BN_EPS, name=f"{name}_2_bn")
    x = g.add([skip, x], name=f"{name}_add")
    return g.act(x, "relu", name=f"{name}_out")
