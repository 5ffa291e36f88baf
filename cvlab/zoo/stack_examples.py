"""One-click examples for *Your own graph*: each shows a cost argument of the course.

Every example is plain text in the layer language of :mod:`cvlab.zoo.stack`; the
tests check each one's totals against arithmetic written out by hand.
"""

from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "5×5 branch, with and without a 1×1 bottleneck": """\
# Two ways to turn 28×28×192 into 28×28×32 with 5×5 filters
input 28x28x192
direct: conv 32 5x5 same from input      # 120,422,400 MACs
squeeze: conv 16 1x1 same from input     # the 1×1 bottleneck: 2,408,448
bottleneck: conv 32 5x5 same             # 5×5 on 16 channels: 10,035,200
""",
    "Standard against depthwise-separable": """\
# The course's 6×6×3 volume to 4×4×5, two ways
input 6x6x3
standard: conv 5 3x3 from input          # 16 × 27 × 5 = 2,160 MACs
depthwise: dwconv 3x3 from input         # one 3×3 filter per channel: 432
separable: conv 5 1x1                    # pointwise: 1×1 mixes channels, 240
""",
    "Inception module": """\
# GoogLeNet's module 3a: four branches, concatenated to 28×28×256
input 28x28x192
b1: conv 64 1x1 same from input
b3_reduce: conv 96 1x1 same from input
b3: conv 128 3x3 same
b5_reduce: conv 16 1x1 same from input
b5: conv 32 5x5 same
pool: maxpool 3x3 s1 same from input
pool_proj: conv 32 1x1 same
out: concat b1 b3 b5 pool_proj
""",
    "MobileNetV2 bottleneck": """\
# Expand ×6, filter each channel, project back linearly, add the skip
input 56x56x24
expand: conv 144 1x1
bn
relu6
dwconv 3x3 same
bn
relu6
project: conv 24 1x1                     # linear: no ReLU after it
project_bn: bn
out: add input project_bn
""",
    "ResNet basic block with a projection shortcut": """\
# Two 3×3 convs; the shortcut is a strided 1×1 conv because the shape changes
input 56x56x64
conv 128 3x3 s2 same
bn
relu
conv 128 3x3 same
main_bn: bn
shortcut: conv 128 1x1 s2 from input
shortcut_bn: bn
sum: add main_bn shortcut_bn
relu
""",
}
