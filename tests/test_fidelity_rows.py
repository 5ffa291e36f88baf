"""Issue 25's table: each sentence the second fidelity audit found wrong, checked as fixed.

Every test reads the text where the learner reads it (a note, a rendered page, the README)
and checks its number against the profiler or the paper.
"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cvlab import zoo
from cvlab.augment.spec import OPS
from cvlab.labs.compound import multipliers, variants
from cvlab.profile import profile
from cvlab.zoo import efficientnet
from cvlab.zoo.frontier import pareto_front
from cvlab.zoo.teaching import FAMILY_NOTES, NOTE_CORRECTIONS, lenet_gap
from ui.resnet_lab import DEFAULT, GRADIENT_NOTE, HE_RATE, RECIPE_TEXT, RECIPES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SLIPS = " ".join(f"{topic} {fix}" for topic, fix in NOTE_CORRECTIONS)  # the notes' slips


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=240).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.fixture(scope="module")
def profiles():
    return {n: profile(zoo.get(n)) for n in zoo.names()}


def test_lenet5s_five_is_a_version_not_its_layer_count():
    note = FAMILY_NOTES["LeNet"]
    assert "five weight layers are what" not in note
    assert "7 layers" in note and "version number" in note and "LeNet-4" in note


def test_vgg_width_stops_doubling_at_512():
    convs = [r.output_shape[-1] for r in profile(zoo.get("vgg16")).layers if r.kind == "conv"]
    assert convs[-3:] == [512, 512, 512] and convs[-6:-3] == [512, 512, 512]  # blocks 4 and 5
    assert "64 → 128 → 256 → 512 → 512" in FAMILY_NOTES["VGG"]
    assert "64 → 128 → 256 → 512 → 512" in SLIPS


def test_alexnets_two_4096_layers_hold_87_percent(profiles):
    alex = profiles["alexnet"]
    layers = {r.name: r for r in alex.layers if r.kind == "dense"}
    fc67 = sum(r.params for r in layers.values() if r.output_shape[-1] == 4096)
    assert round(100 * fc67 / alex.total_params) == 87
    assert "two 4096-unit layers hold 87 %" in FAMILY_NOTES["AlexNet"]


def test_compare_ranks_by_the_frontier_not_accuracy_per_mac(profiles):
    rows = [{"name": n, "macs": profiles[n].macs, "top1": zoo.info(n).top1} for n in zoo.names()]
    front = {r["name"] for r in pareto_front(rows)}
    assert "alexnet" not in front and "efficientnet_b0" in front
    at = page("compare_models.py")
    table = at.dataframe[0].value
    assert not [c for c in table.columns if "per MAC" in c]
    on = dict(zip(table["model"], table["on the frontier"], strict=True))
    assert (on["AlexNet"], on["EfficientNet-B0"]) == ("no", "yes")
    assert "matched compute" in shown(at)


def test_resnet_lab_claims_a_best_error_not_a_guarantee():
    text = shown(page("resnet_lab.py"))
    assert "cannot make the network worse" not in text and "deeper ResNets do not" not in text
    assert "best training error is no higher" in text and "optimiser and the budget" in text


def test_gradient_plot_says_what_it_does_not_show():
    assert "§4.1" in GRADIENT_NOTE and "do not" in GRADIENT_NOTE and "notes" in GRADIENT_NOTE
    assert "is not vanishing gradients" in SLIPS and "§4.1" in SLIPS


def test_scaling_lab_shows_predicted_and_built_growth():
    built = variants()[0]
    text = shown(page("scaling_lab.py"))                # φ = 1 by default
    assert f"×{multipliers(1).predicted_growth:.2f}" == "×1.92" and "×1.92" in text
    assert "×2.57" in text and "rounded *up*" in text and "multiples of 8" in text
    assert built.name == "B0"


def test_released_efficientnets_are_not_roundings_of_the_rule():
    width, depth, resolution, _ = efficientnet.VARIANTS["b1"]
    m = multipliers(1)
    claim = f"B1 is width {width}, depth {depth} at {resolution} px"
    assert (round(m.width, 1), round(m.depth, 1), round(224 * m.resolution)) == (1.1, 1.2, 258)
    assert "rounded coefficients" not in FAMILY_NOTES["EfficientNet"]
    assert claim in FAMILY_NOTES["EfficientNet"].replace("\n", " ")
    assert claim in shown(page("scaling_lab.py"))


@pytest.mark.parametrize(("name", "says"), [
    ("alexnet", ("one weird trick", "64/192/384/256/256", "40.7 % top-1 error")),
    ("googlenet", ("batch norm", "3×3 kernels", "only top-5 error, 10.07 %"))])
def test_torchvision_figures_name_their_network(name, says):
    source = zoo.info(name).top1_source
    assert all(s in source for s in says), source


def test_pca_colour_names_the_per_image_variant():
    op = OPS["pca_color"]
    assert "variant" in op.title and op.params["eigvals"].default is None
    assert "training set" in op.params["eigvals"].help


def test_lenet_gap_is_stated_by_params_and_by_macs(profiles):
    gap = lenet_gap(profiles)
    assert "57× smaller than MobileNetV2" in gap and "86× smaller than EfficientNet-B0" in gap
    assert "722× to 90,622×" in gap
    assert "thousand times" not in README and "722× to 90,622×" in README
    assert gap in shown(page("home.py"))


def test_he_recipe_states_batch_scaling_and_weight_decay():
    assert HE_RATE == 0.1 * DEFAULT.batch_size / 128 == RECIPES["he"]["learning_rate"]
    text = RECIPE_TEXT["he"]
    assert "0.1 at batch 128" in text and f"batch {DEFAULT.batch_size}" in text
    assert "1e-4 is left out" in text


def test_readme_counts_three_uses_and_a_baseline():
    assert "four modes (frozen" not in README and "three uses of a pretrained network" in README


def test_each_alpha_says_which():
    assert "not EfficientNet's depth α" in FAMILY_NOTES["MobileNet"]
    assert "not MobileNet's width" in FAMILY_NOTES["EfficientNet"]
    assert "EfficientNet's α=1.2 for depth" in README
    assert "not the MixUp α" in OPS["pca_color"].params["sigma"].help
