"""The time left covers every remaining phase, not only the current one."""

from cvlab.jobfolder import ProgressEvent
from cvlab.train.time_left import BACKWARD_FACTOR, TimeLeft, plan_of


def test_a_fine_tune_run_counts_its_slower_phase_before_it_starts():
    plan = plan_of({"mode": "fine-tune", "head_epochs": 6, "epochs": 12})
    assert plan == [("head", 6), ("fine-tune", 12)]
    clock = TimeLeft(plan)
    assert clock.seconds(ProgressEvent("features", step=1, steps=4), now=0.0) is None
    clock.seconds(ProgressEvent("features", step=4, steps=4), now=10.0)  # 10 s forward pass
    head = [ProgressEvent("batch", "head", epoch=1, epochs=12, step=s, steps=5)
            for s in (1, 5)]
    assert clock.seconds(head[0], now=10.0) is None  # the phase's first sight: no pace yet
    # 0.8 epoch in 0.8 s: 1 s per head epoch; 5 head epochs left, then 6 fine-tune epochs
    left = clock.seconds(head[1], now=10.8)
    assert left == 5.0 + 6 * BACKWARD_FACTOR * 10.0
    # Once the fine-tune phase runs, its own pace counts: 1 epoch in 25 s, 5 to go.
    tune = [ProgressEvent("epoch", "fine-tune", epoch=e, epochs=12) for e in (7, 8)]
    clock.seconds(tune[0], now=100.0)
    assert clock.seconds(tune[1], now=125.0) == 4 * 25.0


def test_a_one_phase_run_is_its_remaining_epochs_at_its_pace():
    clock = TimeLeft(plan_of({"mode": "frozen", "head_epochs": None, "epochs": 4}))
    clock.seconds(ProgressEvent("epoch", "head", epoch=1, epochs=4), now=0.0)
    assert clock.seconds(ProgressEvent("epoch", "head", epoch=2, epochs=4), now=3.0) == 6.0
