"""Issue 26, items 1 and 2, in headless Chromium: the Datasets page's folder survives a
reload of the Training Studio, and Stop works on a job found again after the server
restarted (the job outlives the server; the URL keeps which job and whose it is)."""

from __future__ import annotations

import contextlib
import json
import os
import re

import pytest
from app_server import free_port, serve, stop
from evaluate_fakerun import write_shapes
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import assert_no_exception, open_page, screenshot, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_folder_survives_a_reload_and_stop_works_after_a_restart(page, tmp_path,
                                                                      hermetic_session):
    data = tmp_path / "data"
    folder = write_shapes(data / "my-shapes", per_class=12)
    env = {**os.environ, **hermetic_session, "CVLAB_DATA_DIR": str(data),
           "CVLAB_DATA_ROOTS": str(data)}
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    server = serve(port, env, log)
    try:
        # 1. The folder, picked on the Datasets page, survives a reload of the Studio.
        open_page(page, f"{url}/datasets")
        page.get_by_text("Folder on disk").click()
        wait_until_idle(page, after_action=True)
        box = page.get_by_label("Folder", exact=True)
        box.fill(str(folder))
        box.press("Enter")
        page.get_by_text("3 classes").first.wait_for(timeout=120_000)
        page.locator('[data-testid="stSidebar"]').get_by_text("Training Studio").click()
        page.get_by_text("Training runs on:").wait_for(timeout=120_000)
        wait_until_idle(page)
        page.reload()
        wait_until_idle(page, 120_000)
        assert_no_exception(page)
        dataset = page.locator('[data-testid="stSelectbox"]', has_text="Dataset").locator("input")
        assert dataset.first.input_value() == f"{folder} (from Datasets)"
        screenshot(page, "studio-folder-after-a-reload")

        # 2. A long job, then the server restarts under it.
        page.get_by_text("full: start from ImageNet, train every layer").click()
        wait_until_idle(page, after_action=True)
        epochs = page.get_by_label("Epochs", exact=True)
        epochs.fill("300")
        epochs.press("Enter")
        wait_until_idle(page, after_action=True)
        page.get_by_role("button", name="▶ Train").click()
        page.get_by_text(re.compile(r"epoch \d+/300")).first.wait_for(timeout=240_000)
        stop(server)
        server = serve(port, env, log)
        page.reload()  # the URL still names the job (?train=) and its owner (?owner=)
        page.get_by_text(re.compile(r"epoch \d+/300")).first.wait_for(timeout=120_000)
        button = page.get_by_role("button", name="⏹ Stop after this batch")
        stopped = page.get_by_text(re.compile(r"stopped after \d+ epochs?"))
        for _ in range(6):  # a click in a panel that redraws every second may be dropped
            with contextlib.suppress(PlaywrightTimeout):
                button.click(timeout=10_000)
            with contextlib.suppress(PlaywrightTimeout):
                stopped.first.wait_for(timeout=30_000)
                break
        stopped.first.wait_for(timeout=120_000)
        screenshot(page, "stopped-after-a-server-restart")

        (run,) = [p for p in (data / "runs").iterdir() if (p / "job.json").is_file()]
        record = json.loads((run / "job.json").read_text())
        state = json.loads((run / "checkpoints" / "state.json").read_text())
        history = json.loads((run / "history.json").read_text())
        assert record["status"] == "stopped" and state["stopped"]
        assert len(history) < 300 and not any(e["partial"] for e in history[:-1])
    finally:
        stop(server)
        from cvlab.jobs import queue
        from cvlab.jobs.record import alive

        for job in queue.jobs(data / "runs"):
            if job.status == "running" and alive(job):
                os.kill(job.pid, 9)
