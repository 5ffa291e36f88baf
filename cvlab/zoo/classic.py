"""LeNet-5, AlexNet and VGG: plain stacks of convolution, pooling and dense layers."""

from __future__ import annotations

from cvlab.zoo.graph import GraphBuilder, Network


def lenet5(resolution: int = 32, include_top: bool = True, classes: int = 10) -> Network:
    """LeNet-5 as the course draws it: valid 5×5 convolutions, 2×2 average pooling, tanh.

    The 1998 original's sparse C3 connections and RBF output are left out.
    """
    g = GraphBuilder("lenet5", "LeNet", (resolution, resolution, 1))
    x = g.last
    with g.stage("conv1"):
        x = g.conv(x, 6, 5, padding="valid", activation="tanh", name="conv1")
        x = g.avgpool(x, 2, name="pool1")
    with g.stage("conv2"):
        x = g.conv(x, 16, 5, padding="valid", activation="tanh", name="conv2")
        x = g.avgpool(x, 2, name="pool2")
    with g.stage("head"):
        if include_top:
            x = g.flatten(x, name="flatten")
            x = g.dense(x, 120, activation="tanh", name="fc1")
            x = g.dense(x, 84, activation="tanh", name="fc2")
            g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(resolution=resolution, include_top=include_top, classes=classes)


def alexnet(resolution: int = 227, include_top: bool = True, classes: int = 1000,
            grouped: bool = False) -> Network:
    """AlexNet as one tower; LRN left out.

    The 2012 paper split the network over two GPUs, so conv2, conv4 and conv5 saw only
    the half of the channels on their own GPU: ``grouped=True`` builds them with two
    groups, which gives the paper's parameter count.
    """
    groups = 2 if grouped else 1
    g = GraphBuilder("alexnet", "AlexNet", (resolution, resolution, 3))
    x = g.last
    with g.stage("conv1"):
        x = g.conv(x, 96, 11, 4, padding="valid", activation="relu", name="conv1")
        x = g.maxpool(x, 3, 2, name="pool1")
    with g.stage("conv2"):
        x = g.conv(x, 256, 5, padding="same", activation="relu", groups=groups, name="conv2")
        x = g.maxpool(x, 3, 2, name="pool2")
    with g.stage("conv3-5"):
        x = g.conv(x, 384, 3, padding="same", activation="relu", name="conv3")
        x = g.conv(x, 384, 3, padding="same", activation="relu", groups=groups, name="conv4")
        x = g.conv(x, 256, 3, padding="same", activation="relu", groups=groups, name="conv5")
        x = g.maxpool(x, 3, 2, name="pool5")
    if include_top:
        with g.stage("head"):
            x = g.flatten(x, name="flatten")
            x = g.dense(x, 4096, activation="relu", name="fc6")
            x = g.dropout(x, 0.5, name="drop6")
            x = g.dense(x, 4096, activation="relu", name="fc7")
            x = g.dropout(x, 0.5, name="drop7")
            g.dense(x, classes, activation="softmax", name="predictions")
    options = {"grouped": True} if grouped else {}
    return g.network(resolution=resolution, include_top=include_top, classes=classes, **options)


VGG_DEPTHS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
VGG_WIDTHS = (64, 128, 256, 512, 512)


def vgg(name: str, resolution: int = 224, include_top: bool = True,
        classes: int = 1000) -> Network:
    """VGG-16/19 with Keras Applications' layer names: uniform 3×3 'same' convs, 2×2 pools."""
    g = GraphBuilder(name, "VGG", (resolution, resolution, 3))
    x = g.last
    for b, (convs, width) in enumerate(zip(VGG_DEPTHS[name], VGG_WIDTHS, strict=True), 1):
        with g.stage(f"block{b}"):
            for c in range(1, convs + 1):
                x = g.conv(x, width, 3, activation="relu", name=f"block{b}_conv{c}")
            x = g.maxpool(x, 2, name=f"block{b}_pool")
    if include_top:
        with g.stage("head"):
            x = g.flatten(x, name="flatten")
            x = g.dense(x, 4096, activation="relu", name="fc1")
            x = g.dense(x, 4096, activation="relu", name="fc2")
            g.dense(x, classes, activation="softmax", name="predictions")
    return g.network(resolution=resolution, include_top=include_top, classes=classes)
