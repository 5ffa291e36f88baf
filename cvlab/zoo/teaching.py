"""Short teaching notes per family, in the project's own words (Markdown).

Numbers quoted here are the ones the profiler computes; the tests check the
key ones, so the prose cannot drift away from the arithmetic.
"""

from __future__ import annotations

from cvlab import zoo

FAMILY_NOTES = {
    "LeNet": r"""
**LeNet-5 (1998)** reads handwritten digits from a 32×32 grey image with 61,706 weights in
this version. Both convolutions are *valid* (no padding), so every 5×5 filter trims four pixels
off each side's total: 32 → 28, then 14 → 10. Each convolution is followed by a 2×2
*average* pool that halves the map. Three dense layers (120, 84, 10) finish the job. The 5
is a version number, not a depth: LeCun et al. (1998, §II.B) count 7 layers besides the input
(C1, S2, C3, S4, C5, F6 and the output), all with trainable parameters, since S2 and S4 have
a scale and bias per map; the paper also describes LeNet-1 and LeNet-4. Our 5 *weight* layers
leave out the two subsampling layers. Watch the pattern every later network repeats:
height and width fall while channels rise (1 → 6 → 16). We use tanh as the paper's era did;
a modern rewrite would use ReLU and max pooling.

*Why the paper says about 60,000.* Its C3 layer connects each of its 16 maps to only 3, 4 or 6
of the 6 maps below (1,516 weights, not the 2,416 of a full connection), its output layer is a
fixed radial-basis layer (not our 850-weight dense layer), and each subsampling layer has a
trainable scale and bias per map (12 + 32). 61,706 − 900 − 850 + 44 = 60,000 exactly.
""",
    "AlexNet": r"""
**AlexNet (2012)** opens with a big 11×11 filter moved 4 pixels at a time, which shrinks a
227×227 photo to 55×55 in one step: cheap on compute for so large an input. After that it is
a stack of 5×5 and 3×3 *same* convolutions and 3×3 stride-2 max pools, ending in two
4096-unit dense layers and the 1000-way classifier. The two 4096-unit layers hold 87 % of the
weights; with the classifier the three dense layers hold 94 % of its 62.38 M weights, while the
convolutions do 95 % of its 1.14 G MACs: switch the breakdown between params and MACs to see it.
ReLU, dropout and two GPUs made it trainable. The original split every layer over the two
GPUs, and conv2, conv4 and conv5 saw only the channels on their own GPU (two *groups*): that
version has **60.97 M** weights and **724 M** MACs against our single tower's **62.38 M** and
**1.14 G**. It also used local response normalisation, which we leave out.
""",
    "VGG": r"""
**VGG (2014)** makes one choice and repeats it: 3×3 *same* convolutions with stride 1, then a
2×2 max pool with stride 2. Each pool halves height and width, and the width doubles after
each pool until it reaches 512: 64 → 128 → 256 → 512 → 512, the fifth block staying at 512
(Simonyan & Zisserman 2014, Table 1; the course notes say it keeps doubling). The shape-flow
chart is a clean staircase. Two stacked 3×3
convolutions see a 5×5 patch with fewer weights than one 5×5 filter (18·C² against 25·C²).
The price is size: about 138 M parameters for VGG-16, 103 M of them in the first dense layer
alone and 124 M in its three dense layers, and 15.5 G MACs. The 16 counts its weight layers:
13 convolutions and 3 dense layers.
""",
    "ResNet": r"""
**ResNet (2015)** adds the block's input back onto its output:
$a^{[l+2]} = g(z^{[l+2]} + a^{[l]})$. If the extra layers have nothing useful to add, their
weights can shrink toward zero and the block passes its input through nearly unchanged, so a
deeper ResNet can represent the shallower one and its *best* training error is no higher.
Whether training finds that solution depends on the optimiser and the budget. Where the
shape changes (stride 2 or more channels) the shortcut is a 1×1
convolution that projects it. ResNet-18/34 use two 3×3 convolutions per block; ResNet-50 and
deeper use a *bottleneck*: 1×1 to narrow, 3×3, then 1×1 to widen 4×, which keeps a 50-layer
net at 3.86 G MACs (the paper's "3.8 billion FLOPs" are multiply-adds). The name counts weight
layers: ResNet-152 has 152 on its longest path, in a graph of 517 nodes.
""",
    "Inception": r"""
**GoogLeNet / Inception v1 (2014)** lets each module run 1×1, 3×3 and 5×5 convolutions and a
3×3 max pool side by side and stacks their outputs along channels, so training decides which
filter size matters. It stays affordable because a 1×1 convolution first squeezes the channels
feeding the 3×3 and 5×5 branches (try it in the *1×1 & Inception* lab). It is 22 weight layers
deep, with 7.0 M parameters and 1.58 G MACs (the paper budgets 1.5 billion multiply-adds). Its
two auxiliary classifiers (switch them on) inject extra gradient half-way down during training
and are discarded for inference.
""",
    "MobileNet": r"""
**MobileNet** replaces a K×K convolution by a *depthwise* K×K filter per channel followed by a
*pointwise* 1×1 convolution that mixes channels. For M input and N output channels on an H×W
map the cost falls from $H W M N K^2$ to $H W M K^2 + H W M N$, a ratio of
$\frac{1}{N} + \frac{1}{K^2}$ (about 1/9 for 3×3 filters). **v1** stacks 13 such blocks
after one ordinary convolution: 568.7 M MACs at
224×224. **v2** uses 17 *inverted residual* blocks: a 1×1 conv widens the narrow input (×6 in
all but the first block), the depthwise 3×3 filters it, and a *linear* 1×1 projects back down.
The skip joins the narrow ends, but only where input and output shapes match: 10 of the 17
blocks. v2 is not merely as cheap as v1 but about half: 300.8 M MACs, with fewer weights
(3.5 M against 4.3 M). The width multiplier α (MobileNet's α, not EfficientNet's depth α)
scales every layer, except that v2 keeps its last 1,280 channels
for α < 1; the input size scales the compute roughly with its square. Both papers count
"mult-adds", which are our MACs.
""",
    "EfficientNet": r"""
**EfficientNet (2019)** starts from B0, a MobileNetV2-like net with squeeze-and-excitation (a
tiny gate that reweights channels) and swish activations, then grows depth, width and input
size together. The paper's rule (Tan & Le 2019, §3.3) uses depth $d = \alpha^\phi$, width
$w = \beta^\phi$ and resolution $r = \gamma^\phi$ with $\alpha = 1.2$, $\beta = 1.1$,
$\gamma = 1.15$ ($\alpha \beta^2 \gamma^2 \approx 2$, so each step of φ roughly doubles
compute); here α is EfficientNet's depth base, not MobileNet's width. The released B1–B7 are
not roundings of that rule: their width, depth and resolution are set by hand in the reference
code's table (B1 is width 1.0, depth 1.1 at 240 px, where φ = 1 would give width 1.1, depth
1.2 and 258 px), and that table is what we build; the *Compound scaling* lab shows both.
The paper's "FLOPs" are multiply-adds: its 0.39 B for B0 is our 386 M MACs.
""",
    "Custom": r"""
**Your own graph** uses the same profiler as the zoo. Write one layer per line and watch
the shapes, weights and multiply-adds update; name layers, branch from an earlier one with
`from`, and join branches with `add` or `concat` to build an Inception module or a residual
block. A line that does not parse, or a shape that does not fit, is named with what was expected.
""",
}

#: Places where the course notes slip, and what the numbers really are.
NOTE_CORRECTIONS = (
    ("AlexNet's second convolution",
     "outputs 27×27×**256**, not 276 (so 13×13×256 after pooling)."),
    ("The 5×5 conv after a 16-channel bottleneck",
     "costs $28 \\cdot 28 \\cdot 16 \\cdot 25 \\cdot 32$ = **10,035,200** MACs, not "
     "10,048,000; the total is still ≈ 12.4 M."),
    ("Depthwise convolution cost", "is $H W M K^2$ (one K×K filter per channel, no N)."),
    ("Depthwise-separable saving",
     "the cost *ratio* is $\\frac{1}{N} + \\frac{1}{K^2}$; its reciprocal is the saving in "
     "multiply-adds, which "
     "is more than the saving in time (see the Depthwise & MobileNet lab)."),
    ("GoogLeNet's size", "about **7.0 M** parameters with biases and no auxiliary heads. The "
     "often-quoted 5 M comes from the paper's \"12× fewer than AlexNet\"; the 1000-way "
     "classifier alone holds 1.0 M."),
    # Simonyan & Zisserman 2014, Table 1: 64, 128, 256, 512, 512.
    ("VGG's channels", "double after each pool only until **512**: the fifth block stays at "
     "512, so 64 → 128 → 256 → 512 → 512, not a doubling at every block."),
    # He et al. 2015 §4.1: batch norm keeps the plain nets' gradients healthy.
    ("Why deep plain nets train worse", "is not vanishing gradients: with batch norm their "
     "gradients stay healthy, and He et al. (§4.1) call the degradation an optimisation "
     "difficulty (see the ResNet Lab's gradient plot)."),
    ("MobileNetV2's cost", "is about **half** of v1's (300.8 M against 568.7 M MACs), not the "
     "same; and only 10 of its 17 blocks have a skip."),
)


def lenet_gap(profiles: dict) -> str:
    """How much smaller LeNet-5 is than the ImageNet networks, by parameters and by MACs.

    ``profiles`` maps zoo names to profiles; the ImageNet networks are those with a top-1.
    """
    lenet = profiles["lenet5"]
    imagenet = [p for n, p in profiles.items() if zoo.info(n).top1 is not None]
    by_params = {n: profiles[n].total_params / lenet.total_params
                 for n in ("mobilenet_v2", "efficientnet_b0")}
    macs = sorted(p.macs / lenet.macs for p in imagenet)
    return (f"By parameters LeNet-5 is {by_params['mobilenet_v2']:,.0f}× smaller than "
            f"MobileNetV2 and {by_params['efficientnet_b0']:,.0f}× smaller than "
            f"EfficientNet-B0; by MACs it needs {macs[0]:,.0f}× to {macs[-1]:,.0f}× fewer "
            "than the ImageNet networks.")
