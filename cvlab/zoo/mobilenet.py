"""MobileNet v1 (depthwise-separable stacks) and v2 (inverted residual bottlenecks).

Both follow Keras Applications layer for layer, names included, so their
counts match ``keras.applications`` and Keras' ImageNet weights load by name.
``alpha`` scales every width; ``resolution`` is the square input size.
"""

from __future__ import annotations

from cvlab.zoo.graph import GraphBuilder, Network
from cvlab.zoo.scaling import make_divisible

#: (pointwise filters, stride) of v1's 13 depthwise-separable blocks.
V1_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
             (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))

#: v2 stages: (expansion t, output channels c, repeats n, first stride s), as in the paper.
V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
             (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v1(resolution: int = 224, alpha: float = 1.0, include_top: bool = True,
                 classes: int = 1000, dropout: float = 1e-3) -> Network:
    g = GraphBuilder("mobilenet_v1", "MobileNet", (resolution, resolution, 3))
    x = g.last
    with g.stage("stem"):
        x = g.conv(x, int(32 * alpha), 3, 2, use_bias=False, name="conv1")
        x = g.bn(x, name="conv1_bn")
        x = g.act(x, "relu6", name="conv1_relu")
    for i, (filters, stride) in enumerate(V1_BLOCKS, 1):
        with g.stage(f"block{i}"):
            x = separable_block(g, x, int(filters * alpha), stride, i)
    if include_top:
        with g.stage("head"):
            x = g.gap(x, keepdims=True, name="global_average_pooling2d")
            x = g.dropout(x, dropout, name="dropout")
            x = g.conv(x, classes, 1, name="conv_preds")
            x = g.reshape(x, (classes,), name="reshape_2")
            g.act(x, "softmax", name="predictions")
    return g.network(resolution=resolution, alpha=alpha, include_top=include_top,
                     classes=classes)


def separable_block(g: GraphBuilder, x: str, filters: int, stride: int, block_id: int) -> str:
    """v1's block: depthwise 3×3 (BN, ReLU6) → pointwise 1×1 to ``filters`` (BN, ReLU6)."""
    i = block_id
    if stride == 2:
        x = g.pad(x, ((0, 1), (0, 1)), name=f"conv_pad_{i}")
    x = g.dwconv(x, 3, stride, "same" if stride == 1 else "valid", name=f"conv_dw_{i}")
    x = g.bn(x, name=f"conv_dw_{i}_bn")
    x = g.act(x, "relu6", name=f"conv_dw_{i}_relu")
    x = g.conv(x, filters, 1, use_bias=False, name=f"conv_pw_{i}")
    x = g.bn(x, name=f"conv_pw_{i}_bn")
    return g.act(x, "relu6", name=f"conv_pw_{i}_relu")


def mobilenet_v2(resolution: int = 224, alpha: float = 1.0, include_top: bool = True,
                 classes: int = 1000, padding: str = "keras",
                 bn_epsilon: float = 1e-3) -> Network:
    """``padding="symmetric"`` pads stride-2 layers on all sides, as torchvision does.

    Keras pads only bottom and right; both give the same shapes, but weights
    trained one way predict best with the same padding.
    """
    g = GraphBuilder("mobilenet_v2", "MobileNet", (resolution, resolution, 3))
    bn = {"epsilon": bn_epsilon, "momentum": 0.999}
    x = g.last
    first = make_divisible(32 * alpha, 8)
    with g.stage("stem"):
        if padding == "symmetric":
            x = g.pad(x, ((1, 1), (1, 1)), name="Conv1_pad")
            x = g.conv(x, first, 3, 2, "valid", use_bias=False, name="Conv1")
        else:
            x = g.conv(x, first, 3, 2, "same", use_bias=False, name="Conv1")
        x = g.bn(x, name="bn_Conv1", **bn)
        x = g.act(x, "relu6", name="Conv1_relu")
    block_id = 0
    for s, (t, c, n, stride) in enumerate(V2_STAGES, 1):
        with g.stage(f"stage{s}"):
            for i in range(n):
                x = inverted_residual(g, x, c, alpha, stride if i == 0 else 1, t, block_id,
                                      padding=padding, bn=bn)
                block_id += 1
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    with g.stage("top"):
        x = g.conv(x, last, 1, use_bias=False, name="Conv_1")
        x = g.bn(x, name="Conv_1_bn", **bn)
        x = g.act(x, "relu6", name="out_relu")
    if include_top:
        with g.stage("head"):
            x = g.gap(x, name="global_average_pooling2d")
            g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(resolution=resolution, alpha=alpha, include_top=include_top,
                     classes=classes, padding=padding, bn_epsilon=bn_epsilon)


def inverted_residual(g: GraphBuilder, x: str, filters: int, alpha: float, stride: int,
                      expansion: int, block_id: int, *, padding: str, bn: dict,
                      linear: bool = True) -> str:
    """Expand 1×1 (ReLU6) → depthwise 3×3 (ReLU6) → linear 1×1 projection (+ skip).

    Block 0 has no expansion conv, as in Keras. ``linear=False`` adds a ReLU6 after
    the projection, the choice the v2 paper argues against (it costs nothing extra).
    """
    in_channels = g.shape(x)[-1]
    out_channels = make_divisible(int(filters * alpha), 8)
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    inputs = x
    if block_id:
        x = g.conv(x, expansion * in_channels, 1, use_bias=False, name=f"{prefix}expand")
        x = g.bn(x, name=f"{prefix}expand_BN", **bn)
        x = g.act(x, "relu6", name=f"{prefix}expand_relu")
    if stride == 2:
        pad = ((1, 1), (1, 1)) if padding == "symmetric" else g.correct_pad(x, 3)
        x = g.pad(x, pad, name=f"{prefix}pad")
    x = g.dwconv(x, 3, stride, "same" if stride == 1 else "valid", name=f"{prefix}depthwise")
    x = g.bn(x, name=f"{prefix}depthwise_BN", **bn)
    x = g.act(x, "relu6", name=f"{prefix}depthwise_relu")
    x = g.conv(x, out_channels, 1, use_bias=False, name=f"{prefix}project")
    x = g.bn(x, name=f"{prefix}project_BN", **bn)
    if not linear:
        x = g.act(x, "relu6", name=f"{prefix}project_relu")
    if in_channels == out_channels and stride == 1:
        x = g.add([inputs, x], name=f"{prefix}add")
    return x
