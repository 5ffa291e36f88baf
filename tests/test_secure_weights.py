"""Weights are verified wherever they come from: a known sha256 before use, no shared folder.

Promise 4 of issue 15. The attacks: a file dropped into the Keras cache is used without a
hash check, and a world-writable ``/tmp/.keras`` is a fallback location.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cvlab import cli
from cvlab.errors import CvlabError
from cvlab.weights import sources

KERAS_TOP = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"


@pytest.fixture
def homes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CVLAB_CACHE_DIR", str(tmp_path / "cvlab"))
    monkeypatch.setattr(sources, "_download_keras", _no_download)
    (tmp_path / "keras" / "models").mkdir(parents=True)
    return tmp_path


def _no_download(target):
    raise AssertionError(f"tried to download {target.name}")


def test_a_file_dropped_into_the_keras_cache_is_not_used(homes):
    planted = homes / "keras" / "models" / KERAS_TOP
    planted.write_bytes(b"weights from nobody knows where")
    assert sources.resolve_weights("imagenet").name == "torchvision"
    with pytest.raises(CvlabError, match=f"sha256 {sources.file_sha256(planted)}.*no known"):
        sources.resolve_weights("imagenet-keras")


def test_a_pinned_file_that_changes_is_refused(homes):
    cached = homes / "keras" / "models" / KERAS_TOP
    cached.write_bytes(b"checked by the operator")
    sources.pin(cached)
    assert sources.resolve_weights("imagenet").name == "keras"
    cached.write_bytes(b"swapped afterwards")
    assert sources.resolve_weights("imagenet").name == "torchvision"
    with pytest.raises(CvlabError, match="changed or was replaced"):
        sources.resolve_weights("imagenet-keras")


def test_a_download_by_cvlab_is_pinned(homes, monkeypatch):
    def fetch(target):
        target.write_bytes(b"from keras' own address")
        return target

    monkeypatch.setattr(sources, "_download_keras", fetch)
    source = sources.resolve_weights("imagenet-keras")
    assert source.sha256 == sources.known_sha256(KERAS_TOP) == sources.file_sha256(source.path)


def test_no_tmp_fallback_and_no_shared_folders(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert sources.keras_models_dir() == tmp_path / "home" / ".keras" / "models"
    shared = tmp_path / "shared"  # like /tmp: sticky and writable by everyone
    shared.mkdir()
    shared.chmod(0o1777)
    theirs = shared / ".keras" / "models"  # made there by another user
    theirs.mkdir(parents=True)
    os.chown(shared / ".keras", 12345, 12345)
    with pytest.raises(CvlabError, match="lets other users add files"):
        sources.check_private(theirs)
    open_to_all = tmp_path / "open" / "models"
    open_to_all.mkdir(parents=True)
    (tmp_path / "open").chmod(0o777)
    with pytest.raises(CvlabError, match="lets other users add files"):
        sources.check_private(open_to_all)
    mine = shared / "mine" / "models"  # a private folder of one's own inside /tmp is fine
    mine.mkdir(parents=True)
    sources.check_private(mine)


def test_a_planted_keras_cache_in_a_shared_folder_is_not_used(homes, monkeypatch):
    home = homes / "sharedkeras"
    (home / "models").mkdir(parents=True)
    home.chmod(0o777)
    monkeypatch.setenv("KERAS_HOME", str(home))
    planted = home / "models" / KERAS_TOP
    planted.write_bytes(b"x")
    sources.pin(planted)  # even a known hash does not make a shared folder safe
    assert sources.resolve_weights("imagenet").name == "torchvision"


def test_a_run_config_cannot_point_weights_anywhere(homes):
    # Our own: a run's config.json names the weights a resume loads; its recorded sha256 is
    # checked against the file, and may not smuggle a path into the cache's file names.
    mine = homes / "mine.h5"
    mine.write_bytes(b"my weights")
    recorded = sources.resolve_weights(str(mine))
    assert sources.verified(recorded) == recorded
    mine.write_bytes(b"someone else's")
    with pytest.raises(CvlabError, match="changed or was replaced"):
        sources.verified(recorded)
    bogus = sources.WeightsSource("torchvision", sources.bundled_source().path, "torch",
                                  "torch", "../../../../tmp/x" + "0" * 50)
    with pytest.raises(CvlabError, match="64-digit hex"):
        sources.verified(bogus)
    assert "invalid" in sources.converted_path(bogus).name


def test_weights_command_shows_the_hash_it_checked(homes, capsys):
    assert cli.main(["weights"]) == 0
    out = capsys.readouterr().out
    assert f"sha256 {sources.BUNDLED_SHA256} checked" in out.splitlines()[0]
    assert cli.main(["weights", "--json"]) == 0
    chosen = json.loads(capsys.readouterr().out)["imagenet"]
    assert chosen["sha256"] == sources.BUNDLED_SHA256


def test_pin_command_records_the_hash(homes, capsys):
    cached = homes / "keras" / "models" / KERAS_TOP
    cached.write_bytes(b"checked")
    assert cli.main(["weights", "--pin", str(cached)]) == 0
    assert f"sha256 {sources.file_sha256(cached)}" in capsys.readouterr().err
    assert sources.resolve_weights("imagenet").path == cached
    assert Path(os.environ["CVLAB_CACHE_DIR"], "weights", "pins.json").is_file()
