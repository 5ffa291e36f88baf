"""Log axes read cleanly: round ticks with units, never Plotly's crowded minor labels."""

import math

from cvlab import figures
from cvlab.figures.log_axes import log_ticks


def test_a_decade_gets_1_2_5_ticks_and_wider_spans_1_3():
    assert log_ticks((math.log10(0.9), math.log10(12))) == [1, 2, 5, 10]
    assert log_ticks((7.5, 10.6)) == [1e8, 3e8, 1e9, 3e9, 1e10, 3e10]


def test_the_latency_chart_ticks_round_numbers_and_names_every_network():
    rows = [{"title": t, "family": f, "macs": m, "batch": 1, "ms_per_image": ms}
            for t, f, m, ms in (("VGG-16", "VGG", 15.5e9, 90.0), ("VGG-19", "VGG", 19.6e9, 110.0),
                                ("MobileNet v2", "MobileNet", 3.0e8, 9.0),
                                ("ResNet-50", "ResNet", 3.9e9, 30.0))]
    fig = figures.macs_vs_latency(rows, 1)
    assert list(fig.layout.xaxis.ticktext) == ["300 M", "1 G", "3 G", "10 G", "30 G"]
    assert list(fig.layout.yaxis.ticktext) == ["10", "30", "100"]
    assert sorted(a.text for a in fig.layout.annotations) == sorted(r["title"] for r in rows)


def test_a_gradient_chart_under_a_decade_still_has_several_ticks():
    gradients = [{"family": fam, "depth": 20, "layers": [f"conv{i}" for i in range(3)],
                  "norms": norms} for fam, norms in (("plain", [0.02, 0.03, 0.05]),
                                                    ("residual", [0.04, 0.05, 0.06]))]
    ticks = figures.gradient_norms(gradients, 20).layout.yaxis.ticktext
    assert len(ticks) >= 3 and all(t in {"0.01", "0.02", "0.05", "0.1", "0.2"} for t in ticks)


def test_the_shape_flow_can_hide_squeeze_and_excitation_spikes():
    from cvlab import zoo
    from cvlab.profile import profile

    efficientnet = profile(zoo.get("efficientnet_b0"))
    spiky = figures.shape_flow(efficientnet).data[0].y
    smooth = figures.shape_flow(efficientnet, hide_squeeze=True).data[0].y
    assert sum(v == 1 for v in spiky) >= 32  # two 1×1 convolutions per block's squeeze path
    assert 1 not in smooth and min(smooth) == 49  # down to 7×7, never to 1×1
