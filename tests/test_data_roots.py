"""The app reads only under its data roots: `..` and symlinks cannot lead out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cvlab.data.roots import REPO_ROOT, app_data_dir, data_roots, resolve_allowed
from cvlab.errors import CvlabError


@pytest.fixture()
def root(tmp_path) -> Path:
    (tmp_path / "root" / "set" / "cat").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    return tmp_path / "root"


def test_paths_inside_a_root_resolve(root):
    assert resolve_allowed(root / "set", [root]) == (root / "set").resolve()
    assert resolve_allowed("set/cat", [root]) == (root / "set" / "cat").resolve()
    assert resolve_allowed(root, [root]) == root.resolve()


def test_dot_dot_escape_is_refused(root):
    with pytest.raises(CvlabError, match="outside the allowed data folders") as info:
        resolve_allowed(root / "set" / ".." / ".." / "secret", [root])
    assert str(root.parent / "secret") in str(info.value)
    with pytest.raises(CvlabError, match="outside"):
        resolve_allowed("../secret", [root])


def test_symlink_out_is_refused(root):
    (root / "sneaky").symlink_to(root.parent / "secret")
    with pytest.raises(CvlabError, match="outside the allowed data folders"):
        resolve_allowed(root / "sneaky", [root])


def test_prefix_sibling_is_not_inside(root):
    sibling = root.parent / "root_evil"
    sibling.mkdir()
    with pytest.raises(CvlabError, match="outside"):
        resolve_allowed(sibling, [root])


def test_empty_path_asks_for_one(root):
    with pytest.raises(CvlabError, match="No folder given"):
        resolve_allowed("  ", [root])


def test_env_configures_roots(root, tmp_path, monkeypatch):
    other = tmp_path / "secret"
    monkeypatch.setenv("CVLAB_DATA_ROOTS", os.pathsep.join([str(root), str(other), ""]))
    assert data_roots() == [root.resolve(), other.resolve()]
    assert resolve_allowed(other) == other.resolve()


def test_default_roots_are_data_dir_and_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv("CVLAB_DATA_ROOTS", raising=False)
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "appdata"))
    monkeypatch.chdir(tmp_path)
    assert data_roots() == [(tmp_path / "appdata").resolve(), tmp_path.resolve()]
    assert (tmp_path / "appdata").is_dir()


def test_data_dir_defaults_to_repo_data(monkeypatch):
    monkeypatch.delenv("CVLAB_DATA_DIR", raising=False)
    assert app_data_dir() == (REPO_ROOT / "data").resolve()
    assert (REPO_ROOT / "cvlab" / "data" / "roots.py").is_file()
