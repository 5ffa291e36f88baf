"""Jobs belong to who started them (issue 21, item 2): a record keeps a hash of its owner's
secret, never the secret; a second learner cannot stop, cancel, resume or delete the job,
its owner and the teacher can, and the CLI acts as the teacher. Jobs profile LeNet-5 or
are stand-in records (``job_helpers.holder``): no TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from job_helpers import holder

from cvlab.errors import CvlabError
from cvlab.experiments.identity import IdentitySpec
from cvlab.jobs import owners, queue
from cvlab.jobs.record import Job, write_job
from cvlab.jobs.spec import encode
from cvlab.profile import ProfileSpec

ROOT = Path(__file__).resolve().parents[1]
REFUSED = "started by someone else; allowed: the learner who started it, or the teacher"
OWNER_TOKEN, OTHER_TOKEN = owners.new_token(), owners.new_token()
OWNER, OTHER = owners.owner_hash(OWNER_TOKEN), owners.owner_hash(OTHER_TOKEN)


@pytest.fixture()
def held(tmp_path, monkeypatch):
    """A running job of OWNER's in the only slot (a stand-in process)."""
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    job, process = holder(tmp_path)
    job.owner = OWNER
    write_job(job)
    yield job
    process.kill()
    process.wait()


def test_the_record_keeps_the_owners_hash_never_the_token(tmp_path, held):
    queued = queue.submit(ProfileSpec("lenet5"), tmp_path, owner=OWNER)
    text = (queued.dir / "job.json").read_text()
    assert json.loads(text)["owner"] == OWNER == queue.get(queued.id, tmp_path).owner
    assert OWNER_TOKEN not in text and len(OWNER_TOKEN) >= 40
    assert OWNER != OTHER and owners.is_hash(OWNER)
    with pytest.raises(CvlabError, match="Received: owner 'me'; allowed: an owner hash"):
        queue.submit(ProfileSpec("lenet5"), tmp_path, owner="me")


def test_another_learner_cannot_stop_cancel_resume_or_delete(tmp_path, held):
    queued = queue.submit(ProfileSpec("lenet5"), tmp_path, owner=OWNER)
    ended = _ended(tmp_path, "1-stopped", OWNER)
    for act in (lambda: queue.stop(held.id, tmp_path, OTHER),
                lambda: queue.cancel(queued.id, tmp_path, OTHER),
                lambda: queue.resume(ended.id, root=tmp_path, actor=OTHER),
                lambda: queue.delete(ended.id, tmp_path, OTHER)):
        with pytest.raises(CvlabError, match=REFUSED):
            act()
    for bad in (None, "", OWNER_TOKEN, "TEACHER"):  # the token itself is no actor
        with pytest.raises(CvlabError, match="Received: actor"):
            queue.stop(held.id, tmp_path, bad)
    assert queue.get(held.id, tmp_path).stop_requested is None
    assert queue.get(queued.id, tmp_path).status == "queued"
    assert queue.get(ended.id, tmp_path).status == "stopped" and ended.dir.is_dir()


def test_the_owner_and_the_teacher_can(tmp_path, held):
    queued = queue.submit(ProfileSpec("lenet5"), tmp_path, owner=OWNER)
    assert queue.cancel(queued.id, tmp_path, OWNER).status == "cancelled"
    assert queue.stop(held.id, tmp_path, owners.TEACHER).stop_requested is not None
    ended = _ended(tmp_path, "1-stopped", OWNER)
    resumed = queue.resume(ended.id, root=tmp_path, actor=OWNER)  # waits behind the holder
    assert (resumed.status, resumed.owner) == ("queued", OWNER)
    assert queue.cancel(resumed.id, tmp_path, owners.TEACHER).status == "cancelled"
    queue.delete(ended.id, tmp_path, OWNER)
    assert not ended.dir.exists()
    nobodys = _ended(tmp_path, "2-cli", None)  # a job the CLI started: the teacher's only
    with pytest.raises(CvlabError, match=REFUSED):
        queue.delete(nobodys.id, tmp_path, OWNER)
    queue.delete(nobodys.id, tmp_path, owners.TEACHER)
    assert not nobodys.dir.exists()


def test_the_cli_acts_as_the_teacher(tmp_path, held):
    queued = queue.submit(ProfileSpec("lenet5"), tmp_path, owner=OWNER)
    for action, job_id, status in (("cancel", queued.id, "cancelled"),
                                   ("stop", held.id, "running")):
        done = subprocess.run(
            [sys.executable, "-m", "cvlab", "jobs", "--root", str(tmp_path), action, job_id,
             "--json"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["status"] == status
    assert queue.get(held.id, tmp_path).stop_requested is not None


def test_the_teacher_token_is_the_operators(monkeypatch):
    monkeypatch.delenv(owners.TEACHER_ENV, raising=False)
    assert not owners.is_teacher("") and not owners.is_teacher("anything")
    monkeypatch.setenv(owners.TEACHER_ENV, "s3cret-teacher-token")
    assert owners.is_teacher("s3cret-teacher-token")
    assert not owners.is_teacher("s3cret-teacher-toke") and not owners.is_teacher(None)
    assert owners.is_teacher("from-secrets", "from-secrets")
    assert owners.owner_hash(owners.user_secret("ada@example.org")) != owners.owner_hash(
        "ada@example.org"), "a user id and a token never share an owner"
    assert owners.token_or_none("x" * 8) is None and owners.token_or_none("[a](b)") is None


def _ended(root: Path, name: str, owner: str | None) -> Job:
    """A stopped identity job (a resumable kind) recorded by ``owner``."""
    folder = root / name
    folder.mkdir()
    job = Job(name, "identity", "identity", encode(IdentitySpec()), folder, status="stopped",
              seq=99, created=1.0, owner=owner)
    write_job(job)
    return job
