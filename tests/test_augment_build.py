"""Spec → Keras pipeline, generated code and seeded previews agree with each other."""

import numpy as np
import pytest

from cvlab.augment.spec import OPS, make_spec, make_step, spec_from_json, spec_to_json
from cvlab.errors import CvlabError

pytestmark = pytest.mark.slow

IMAGE_OPS = [op for op, info in OPS.items() if not info.batch]


def full_spec():
    return make_spec([make_step(op) for op in OPS])


def configs(layers):
    return [layer.get_config() for layer in layers]


def photo_batch(n=4, size=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, (n, size, size, 3)).astype("float32")


def test_json_round_trip_builds_pipelines_with_identical_outputs():
    from cvlab.augment.build import build_pipeline

    spec = make_spec([make_step(op) for op in IMAGE_OPS if op != "crop"])
    again = spec_from_json(spec_to_json(spec))
    x = photo_batch()
    a = np.asarray(build_pipeline(spec, seed=7)(x, training=True))
    b = np.asarray(build_pipeline(again, seed=7)(x, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, x)
    np.testing.assert_array_equal(build_pipeline(spec, seed=7)(x, training=False), x)


def test_generated_code_runs_and_rebuilds_the_same_layers():
    from cvlab.augment.build import build_mixing, build_pipeline
    from cvlab.augment.codegen import pipeline_code

    spec = full_spec()
    namespace: dict = {}
    exec(compile(pipeline_code(spec, seed=3), "<generated>", "exec"), namespace)
    built = build_pipeline(spec, seed=3)
    generated = namespace["augment"].layers
    assert [type(layer).__name__ for layer in generated] == [OPS[op].layer for op in IMAGE_OPS]
    assert configs(generated) == configs(built.layers)
    assert configs(namespace["mixing"]) == configs(build_mixing(spec, seed=3))


def test_code_without_mixing_or_custom_layers_imports_only_keras():
    from cvlab.augment.codegen import pipeline_code

    code = pipeline_code(make_spec([make_step("flip")]))
    assert "cvlab" not in code and "mixing" not in code
    assert "keras.layers.RandomFlip(mode='horizontal', seed=None, name='flip')" in code


def test_preview_reports_the_flip_each_draw_really_used():
    from cvlab.augment.preview import draw_grid

    image = photo_batch(n=1)[0].round()
    result = draw_grid(make_spec([make_step("flip")]), image, n=9, seed=5)
    flags = [d["flip"]["flipped"] for d in result.draws]
    assert 0 < sum(flags) < 9
    for out, flipped in zip(result.images, flags, strict=True):
        expected = image[:, ::-1] if flipped else image
        np.testing.assert_array_equal(out, expected.astype(np.uint8))


def test_preview_is_reproducible_and_reports_every_step():
    from cvlab.augment.build import build_mixing, build_pipeline
    from cvlab.augment.preview import draw_grid, grid_image

    spec = make_spec([make_step(op, **({"height": 48, "width": 48} if op == "crop" else {}))
                      for op in OPS])
    image, partner = photo_batch(n=2)
    pipeline, mixing = build_pipeline(spec), build_mixing(spec)
    first = draw_grid(spec, image, 4, seed=1, partner=partner, pipeline=pipeline,
                      mixing=mixing)
    again = draw_grid(spec, image, 4, seed=1, partner=partner, pipeline=pipeline,
                      mixing=mixing)
    other = draw_grid(spec, image, 4, seed=2, partner=partner, pipeline=pipeline,
                      mixing=mixing)
    np.testing.assert_array_equal(first.images, again.images)
    assert not np.array_equal(first.images, other.images)
    assert first.images.shape == (4, 48, 48, 3) and first.images.dtype == np.uint8
    assert all(list(d) == list(OPS) for d in first.draws)
    assert grid_image(first.images, cols=2).shape == (2 * 48 + 4, 2 * 48 + 4, 3)


def test_rgb_shift_in_preview_reports_the_offsets_it_added():
    from cvlab.augment.preview import draw_grid

    image = np.full((32, 32, 3), 128.0, "float32")
    result = draw_grid(make_spec([make_step("rgb_shift")]), image, 3, seed=0)
    for out, draw in zip(result.images, result.draws, strict=True):
        np.testing.assert_allclose(out[0, 0], 128.0 + np.array(draw["rgb_shift"]["rgb"]),
                                   atol=0.51)


def test_preview_errors_are_clear():
    from cvlab.augment.preview import draw_grid

    image = photo_batch(n=1, size=32)[0]
    with pytest.raises(CvlabError, match="allowed: a crop no larger than the image"):
        draw_grid(make_spec([make_step("crop", height=64, width=64)]), image)
    with pytest.raises(CvlabError, match="allowed: a second image"):
        draw_grid(make_spec([make_step("mixup")]), image)
