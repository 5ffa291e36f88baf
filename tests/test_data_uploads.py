"""Zip uploads extract safely: no escaping entries, links, bombs or floods of files."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from cvlab.data.uploads import dataset_folder, extract_zip, safe_name
from cvlab.errors import CvlabError


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_STORED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def _refused(tmp_path: Path, buffer, match: str, **limits) -> None:
    target = tmp_path / "uploads" / "set"
    target.parent.mkdir()
    with pytest.raises(CvlabError, match=match):
        extract_zip(buffer, target, **limits)
    assert not target.exists()
    assert not (tmp_path / "evil.txt").exists()
    assert list((tmp_path / "uploads").iterdir()) == []  # staging folder cleaned up


def test_good_zip_extracts_and_unwraps_single_folder(tmp_path):
    buffer = _zip({"flowers/rose/1.jpg": b"a", "flowers/tulip/2.jpg": b"b", "__MACOSX/x": b"c"})
    folder = extract_zip(buffer, tmp_path / "uploads" / "flowers")
    assert folder == tmp_path / "uploads" / "flowers" / "flowers"
    assert (folder / "rose" / "1.jpg").read_bytes() == b"a"


def test_reupload_replaces_the_old_folder(tmp_path):
    target = tmp_path / "uploads" / "set"
    extract_zip(_zip({"a/old.jpg": b"1", "b/old.jpg": b"2"}), target)
    extract_zip(_zip({"a/new.jpg": b"1", "b/new.jpg": b"2"}), target)
    assert sorted(p.name for p in target.rglob("*.jpg")) == ["new.jpg", "new.jpg"]


@pytest.mark.parametrize(
    "name", ["../evil.txt", "a/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt", "..\\evil.txt"]
)
def test_zip_slip_is_refused(tmp_path, name):
    _refused(tmp_path, _zip({"a/ok.jpg": b"x", name: b"boom"}), "outside the upload folder")


def test_symlink_entry_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/ok.jpg", b"x")
        link = zipfile.ZipInfo("a/link.jpg")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    buffer.seek(0)
    _refused(tmp_path, buffer, "symbolic link")


def test_too_many_files_is_refused(tmp_path):
    entries = {f"a/{i}.jpg": b"x" for i in range(6)}
    _refused(tmp_path, _zip(entries), "holds 6 files; the limit is 5", max_files=5)


def test_too_many_bytes_is_refused(tmp_path):
    _refused(tmp_path, _zip({"a/big.jpg": bytes(5000)}), "unpacks to 5,000 bytes", max_bytes=4096)


def test_zip_bomb_ratio_is_refused(tmp_path):
    bomb = _zip({"a/zeros.jpg": bytes(8 * 1024**2)}, zipfile.ZIP_DEFLATED)
    _refused(tmp_path, bomb, "zip bomb")


def test_lying_header_is_refused_as_damaged(tmp_path):
    buffer = _zip({"a/x.jpg": b"y" * 64})
    data = bytearray(buffer.getvalue())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.infolist()[0]
    # Shrink the declared size in the central directory (uncompressed size field).
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (16).to_bytes(4, "little")
    assert info.file_size == 64
    _refused(tmp_path, io.BytesIO(bytes(data)), "zip is damaged")


def test_not_a_zip_is_refused(tmp_path):
    _refused(tmp_path, io.BytesIO(b"not a zip at all"), "not a valid zip")


def test_safe_name_and_dataset_folder(tmp_path):
    assert safe_name("../My Photos!.zip") == "My_Photos"
    assert safe_name("C:\\x\\cats.ZIP") == "cats"
    assert safe_name("....zip") == "upload"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert dataset_folder(tmp_path) == tmp_path


def test_two_uploads_with_one_name_get_their_own_folders(tmp_path):
    from cvlab.data.uploads import upload_folder

    first = upload_folder(tmp_path / "uploads", "flowers.zip")
    second = upload_folder(tmp_path / "uploads", "flowers.zip")
    assert first != second and first.name.startswith("flowers-")
    extract_zip(_zip({"rose/1.jpg": b"mine", "tulip/2.jpg": b"x"}), first)
    extract_zip(_zip({"rose/1.jpg": b"yours", "tulip/2.jpg": b"y"}), second)
    assert (first / "rose" / "1.jpg").read_bytes() == b"mine"
    assert (second / "rose" / "1.jpg").read_bytes() == b"yours"
