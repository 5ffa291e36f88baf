"""Issue 21 items 6 and 7: the converted weights cache is checked against a digest known in
the code, never the record beside it, and a malformed cache is rebuilt with a message."""

import json

import numpy as np
import pytest

from cvlab import cli
from cvlab.weights import convert, sources


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cvlab cache holding the bundled checkpoint's conversion; its path."""
    monkeypatch.setenv("CVLAB_CACHE_DIR", str(tmp_path / "cvlab"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    source = sources.resolve_weights("imagenet")
    sources.converted_weights(source)
    return sources.converted_path(source)


def _genuine(weights) -> bool:
    return convert.digest(weights) == sources.KNOWN_CONVERTED[sources.BUNDLED_SHA256]


def test_tampered_npz_and_record_together_are_rebuilt(cache, capsys):
    # The attack: change the weights and rewrite the record to match them.
    source = sources.resolve_weights("imagenet")
    weights = convert.load_npz(cache)
    weights["predictions"][1] = weights["predictions"][1].copy()
    weights["predictions"][1][1] += 50.0  # every photo now "goldfish" (ImageNet class 1)
    convert.save_npz(weights, cache)
    record = json.loads(cache.with_suffix(".json").read_text())
    cache.with_suffix(".json").write_text(json.dumps(
        {**record, "sha256": sources.file_sha256(cache)}))
    assert sources.cached_conversion(source) is None
    capsys.readouterr()
    served = sources.converted_weights(source)
    assert _genuine(served) and served["predictions"][1][1] != weights["predictions"][1][1]
    assert "rebuilt the converted weights cache" in capsys.readouterr().err
    assert _genuine(convert.load_npz(cache))  # and the file itself is good again


@pytest.mark.parametrize("damage", ["object array", "truncated", "not a zip", "bad keys"])
def test_a_malformed_cache_is_rebuilt_with_a_message(cache, capsys, damage):
    if damage == "object array":
        with open(cache, "wb") as stream:
            np.savez(stream, **{"Conv1/0": np.array([{"a": 1}, None], dtype=object)})
    elif damage == "truncated":
        cache.write_bytes(cache.read_bytes()[:4096])
    elif damage == "not a zip":
        cache.write_bytes(b"\x93NUMPY" + b"\0" * 100)
    else:
        with open(cache, "wb") as stream:
            np.savez(stream, nolayer=np.zeros(3))
    capsys.readouterr()
    assert _genuine(sources.converted_weights(sources.resolve_weights("imagenet")))
    err = capsys.readouterr().err
    assert err.startswith("note: rebuilt the converted weights cache") and "Traceback" not in err


def test_weights_command_reports_a_tampered_cache_as_unavailable(cache, capsys):
    weights = convert.load_npz(cache)
    weights["Conv1"][0] = -weights["Conv1"][0]
    convert.save_npz(weights, cache)
    assert cli.main(["weights", "--json"]) == 0
    rows = {r["source"]: r for r in json.loads(capsys.readouterr().out)["candidates"]}
    assert rows["torchvision-converted"]["available"] is False
    assert cli.main(["weights", "--convert", "--json"]) == 0
    rows = {r["source"]: r for r in json.loads(capsys.readouterr().out)["candidates"]}
    assert rows["torchvision-converted"]["available"] is True


def test_an_unknown_checkpoint_is_converted_each_time_and_never_cached(cache, tmp_path):
    mine = tmp_path / "mine.pth"
    mine.write_bytes(sources.bundled_source().path.read_bytes())  # same tensors, own file
    source = sources.resolve_weights(str(mine))
    before = sorted(p.name for p in cache.parent.iterdir())
    assert _genuine(sources.converted_weights(source))
    assert sorted(p.name for p in cache.parent.iterdir()) == before
