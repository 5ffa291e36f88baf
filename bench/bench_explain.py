"""How fast seeing inside is, once the model is loaded: Grad-CAM and stepping between stages.

Prints figures; not a test. Usage: ``python bench/bench_explain.py [REPEATS]`` (default 20).
On the pretrained ImageNet MobileNetV2 (224×224, CPU unless TensorFlow sees a GPU), side by
side in one run, medians of REPEATS:

* a plain prediction (one forward pass) and a Grad-CAM from the pixels (forward pass to
  ``out_relu``, gradient through the head, 224×224 map): target under 300 ms;
* Grad-CAM for another class from stored activations (what the page does when you pick a
  class);
* stepping between stages: the page renders every stage once per photo, so a step only
  shows a stored picture (target under 100 ms); rendering one stage from stored
  activations (grid + JPEG), done for all stages when a photo is first shown, is timed too.
"""

from __future__ import annotations

import hashlib
import pickle
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab.explain.imagenet import ImageNetLens  # noqa: E402
from cvlab.explain.render import activation_grid, jpeg_bytes  # noqa: E402
from cvlab.weights.preprocess import load_image  # noqa: E402


def median_ms(fn, repeats: int) -> float:
    fn()  # warm: traced graphs, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(repeats: int = 20) -> None:
    start = time.perf_counter()
    lens = ImageNetLens()
    print(f"model loaded in {time.perf_counter() - start:.1f} s ({lens.name})")
    pixels = load_image("skimage:chelsea")
    batch = lens.cam.prepare(pixels[None])
    look = lens.look(pixels)
    rendered = {s.name: jpeg_bytes(activation_grid(look.activations[s.name])[0])
                for s in lens.stages}
    # What st.cache_data does on a hit when the page steps: hash the photo, unpickle the
    # stored result (every stage's picture and the last feature map).
    stored = pickle.dumps({"stages": rendered, "features": look.activations["top"]})

    def page_step():
        hashlib.md5(pixels.tobytes()).hexdigest()
        return pickle.loads(stored)["stages"]["stage5"]

    predict = median_ms(lambda: lens.model.predict_on_batch(batch), repeats)
    gradcam = median_ms(lambda: lens.cam.explain(pixels[None]), repeats)
    other = median_ms(lambda: lens.gradcam(look, "tabby"), repeats)
    step = median_ms(page_step, repeats)
    renders = {s.name: median_ms(lambda s=s: jpeg_bytes(activation_grid(
        look.activations[s.name])[0]), max(3, repeats // 4)) for s in lens.stages}
    worst = max(renders, key=renders.get)

    rows = [
        ("plain prediction (forward pass)", predict, None),
        ("Grad-CAM from pixels", gradcam, 300),
        ("Grad-CAM, another class, stored activations", other, None),
        ("stage step (cache hit: hash photo, unpickle)", step, 100),
        (f"render one stage, slowest ({worst}), per photo", renders[worst], None),
        ("render one stage, median, per photo", statistics.median(renders.values()), None),
    ]
    print(f"\n{'224×224 MobileNetV2, median of ' + str(repeats):<48} {'ms':>9} {'target':>9}")
    for label, ms, target in rows:
        mark = "" if target is None else f"< {target}" + (" ok" if ms < target else " MISSED")
        print(f"{label:<48} {ms:9.2f} {mark:>9}")
    print(f"\nGrad-CAM / plain prediction: {gradcam / predict:.2f}×  "
          f"(only the small head is differentiated)")
    print("stage renders (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in renders.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
