"""Shared fixtures: test data (the messy dataset, the shapes dataset, a tiny trained run,
an app data folder) and, for browser tests, a live Streamlit server and a Chromium page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from app_server import free_port, serve, stop

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CVLAB_CHROMIUM", "/usr/bin/chromium")
# No warm job processes (cvlab.jobs.standby) outlive a test; test_jobs_standby starts its own.
os.environ["CVLAB_STANDBY"] = "0"
# Where the app keeps state outside a run folder (README, "State outside the data folder").
HERMETIC = ("HOME", "CVLAB_CACHE_DIR", "CVLAB_DATA_DIR")


def _own_dirs(base: Path) -> dict[str, str]:
    return {name: str((base / name.lower()).resolve()) for name in HERMETIC}


@pytest.fixture(autouse=True, scope="session")
def hermetic_session(tmp_path_factory):
    """The session's own HOME, cache and data folder, set before any module fixture or
    server starts (they outlive one test): nothing a developer's machine holds in
    ~/.cache/cvlab, ~/.keras or the repo's data/ reaches a test."""
    saved = {name: os.environ.get(name) for name in (*HERMETIC, "KERAS_HOME")}
    os.environ.pop("KERAS_HOME", None)  # Keras' cache then lies under the new HOME
    dirs = _own_dirs(tmp_path_factory.mktemp("session-state"))
    os.environ.update(dirs)
    yield dirs
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory, monkeypatch):
    """Each test its own HOME, CVLAB_CACHE_DIR and CVLAB_DATA_DIR (beside its tmp_path,
    not in it); subprocesses it starts inherit them. ``data_dir`` and a test's own
    ``monkeypatch.setenv`` override them."""
    for name, value in _own_dirs(tmp_path_factory.mktemp("state")).items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> Path:
    """The deliberately messy dataset (:mod:`cvlab.data.messy`), one per test module."""
    from cvlab.data.messy import write_messy_dataset

    return write_messy_dataset(tmp_path_factory.mktemp("messy"))


@pytest.fixture(scope="module")
def shapes(request, tmp_path_factory) -> Path:
    """The trainer's shapes dataset (``train_folders.write_shapes``), one per test module,
    with images of the module's ``SIZE`` when it sets one."""
    from train_folders import write_shapes

    size = getattr(request.module, "SIZE", None)
    options = {"size": size} if size else {}
    return write_shapes(tmp_path_factory.mktemp("shapes") / "shapes", **options)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A tiny trained run folder (``evaluate_fakerun``), built once per session."""
    from evaluate_fakerun import fake_run

    return fake_run(tmp_path_factory)


@pytest.fixture()
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh app data folder (``CVLAB_DATA_DIR``), also the only allowed data root."""
    folder = (tmp_path / "data").resolve()
    monkeypatch.setenv("CVLAB_DATA_DIR", str(folder))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(folder))
    return folder


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, hermetic_session):
    """Serve app.py on a free local port for the whole session; yields its base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    data = tmp_path_factory.mktemp("app-data")  # samples and runs land here, not in the repo
    # The server's HOME and cache are the session's (hermetic_session), shared by the
    # browser tests that talk to it.
    env = {**os.environ, **hermetic_session, "CVLAB_DATA_DIR": str(data),
           "CVLAB_DATA_ROOTS": os.pathsep.join([str(data),
                                                os.environ.get("CVLAB_DATA_ROOTS", str(ROOT))])}
    try:
        server = serve(port, env, log)
    except AssertionError as exc:
        pytest.fail(str(exc))
    url = f"http://127.0.0.1:{port}"
    yield url
    stop(server)
    _end_jobs(data / "runs")


def _end_jobs(runs: Path) -> None:
    """Training jobs outlive the server by design; the tests' own must not outlive them."""
    from cvlab.jobs import queue
    from cvlab.jobs.record import alive

    for job in queue.jobs(runs):
        if job.status == "running" and alive(job):
            os.kill(job.pid, 9)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing browser: skip, or fail under CI=true."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"no Chromium at {CHROMIUM}; `make test` installs Debian's package as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(autouse=True, scope="session")
def tmp_is_a_data_root(tmp_path_factory):
    """Tests write datasets and runs under pytest's temporary folder, so it is an allowed
    data root beside the defaults (a test that sets CVLAB_DATA_ROOTS itself wins)."""
    if "CVLAB_DATA_ROOTS" in os.environ:
        yield
        return
    roots = [ROOT / "data", ROOT, tmp_path_factory.getbasetemp()]
    os.environ["CVLAB_DATA_ROOTS"] = os.pathsep.join(map(str, roots))
    yield
    os.environ.pop("CVLAB_DATA_ROOTS", None)
