"""The pipeline description: defaults, JSON round trip and clear errors (no TensorFlow)."""

import json

import pytest

from cvlab.augment.spec import (
    OPS,
    default_spec,
    make_spec,
    make_step,
    spec_from_dict,
    spec_from_json,
    spec_to_json,
)
from cvlab.errors import CvlabError


def full_spec():
    return make_spec([make_step(op) for op in OPS])


def test_defaults_are_filled_in_and_valid():
    step = make_step("rgb_shift")
    assert step.params == {"offsets": (20.0, 10.0, -5.0), "random": True}
    assert [s.op for s in default_spec().steps] == [
        "flip", "rotation", "zoom", "contrast", "brightness"
    ]


def test_json_round_trip_gives_an_equal_spec():
    spec = make_spec([
        make_step("flip", mode="vertical"),
        make_step("crop", height=100, width=120),
        make_step("pca_color", sigma=0.5, eigvals=[0.2, 0.02, 0.004],
                  eigvecs=[[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        make_step("erasing", scale=[0.1, 0.3]),
        make_step("mixup", alpha=0.4),
    ])
    text = spec_to_json(spec)
    assert spec_from_json(text) == spec
    assert spec_to_json(spec_from_json(text)) == text
    assert spec_from_json(spec_to_json(full_spec())) == full_spec()


def test_missing_parameters_take_defaults_when_reading():
    spec = spec_from_dict({"steps": [{"op": "rotation"}]})
    assert spec.steps[0].params["factor"] == OPS["rotation"].params["factor"].default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "Received list; allowed: a JSON object"),
        ('{"steps": [{"op": "sharpen"}]}', "Received op 'sharpen'; allowed: flip, crop"),
        ('{"steps": [{"op": "flip", "angle": 3}]}', "Received parameter 'angle' for 'flip'"),
        ('{"steps": [{"op": "rotation", "factor": 0.9}]}',
         "Received rotation.factor=0.9; allowed: 0 ≤ factor ≤ 0.5"),
        ('{"steps": [{"op": "flip", "mode": "diagonal"}]}', "allowed: horizontal, vertical"),
        ('{"steps": [{"op": "rgb_shift", "random": 1}]}', "allowed: true or false"),
        ('{"steps": [{"op": "rgb_shift", "offsets": [1, 2]}]}', "allowed: a list of 3 numbers"),
        ('{"steps": [{"op": "crop", "height": 10.5}]}', "allowed: an integer"),
        ('{"steps": [{"op": "blur", "kernel_size": 4}]}', "allowed: an odd integer"),
        ('{"steps": [{"op": "erasing", "scale": [0.3, 0.1]}]}', "allowed: low ≤ high"),
        ('{"steps": [{"op": "pca_color", "eigvals": [1, 1, 1]}]}', "allowed: both"),
        ('{"steps": [{"op": "flip"}, {"op": "flip"}]}', "each op at most once"),
        ('{"steps": [{"op": "mixup"}, {"op": "flip"}]}', "mixup/cutmix only at the end"),
        ('{"version": 2, "steps": []}', "allowed: format='cvlab.augment' version=1"),
        ('{"steps": {"op": "flip"}}', "allowed: a list of step objects"),
        ('{"steps": [], "seed": 1}', "Received key 'seed'"),
    ],
)
def test_bad_input_gives_a_clear_error(text, message):
    with pytest.raises(CvlabError, match="Received") as info:
        spec_from_json(text)
    assert message in str(info.value)


def test_non_finite_numbers_are_rejected():
    with pytest.raises(CvlabError, match="allowed: 0 ≤ factor ≤ 1"):
        spec_from_json(json.dumps({"steps": [{"op": "contrast", "factor": float("nan")}]}))


def test_image_and_batch_steps_are_split():
    spec = full_spec()
    assert [s.op for s in spec.batch_steps] == ["mixup", "cutmix"]
    assert len(spec.image_steps) == len(OPS) - 2


def test_a_caption_names_three_operations_and_counts_the_rest():
    from cvlab.augment.preview import describe

    draw = {"flip": {"horizontal": True}, "rotate": {"degrees": 12.0}, "zoom": {"factor": 0.9},
            "contrast": {"factor": 1.2}, "brightness": {"delta": 0.1}}
    short = describe(draw, max_ops=3)
    assert short.startswith("flip") and short.endswith("+ 2 more") and "contrast" not in short
    assert "brightness" in describe(draw)  # the full line, as the expander shows every value
