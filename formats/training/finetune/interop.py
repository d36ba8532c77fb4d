"""`make interop`'s check of what `zoo finetune` writes, in the real libraries:

1. zoo fine-tunes the real MobileNetV2 on a small Fashion-MNIST sample (the cached LP-FT plan beside
   this script), then converts the run's model folder to a torchvision .pth;
2. torchvision's `mobilenet_v2(num_classes=10)` loads it with strict=True and, on the run's validation
   examples (splits.json, decoded from the IDX files, preprocessed as zoo does), predicts what zoo's report
   says: the same accuracy, and logits within 1e-3 of `zoo run`'s on a few of them;
3. TensorBoard's `EventAccumulator` reads the run's event file: every training loss equals report.json's;
4. headless Chromium renders report.html (a screenshot, no console errors).

    python formats/training/finetune/interop.py ZOO   # exit 1 on a failed check
"""
import gzip
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision
from PIL import Image

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[2]
FMNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
failures = []


def check(condition, what):
    print(("  ✓ " if condition else "  ✗ ") + what)
    if not condition:
        failures.append(what)


def idx_images(path):
    data = gzip.open(path).read()
    count, rows, columns = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, columns)


def preprocess(pixels, plan):
    p = plan["preprocessing"]
    image = Image.fromarray(pixels, "L").convert("RGB")
    transform = torchvision.transforms.Compose([
        torchvision.transforms.Resize(p["resize"], interpolation=torchvision.transforms.InterpolationMode.BILINEAR),
        torchvision.transforms.CenterCrop(p["crop"]), torchvision.transforms.ToTensor(),
        torchvision.transforms.Normalize(p["mean"], p["std"])])
    return transform(image)


def main(zoo):
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        run = folder / "run"
        environment = {"ZOO_CACHE_DIR": str(folder / "cache"), "PATH": "/usr/bin:/bin"}
        subprocess.run([zoo, "finetune", "--plan", str(HERE / "mobilenet_v2-lpft-cached.plan.json"), "--data", str(FMNIST),
                        "--weights", str(ROOT / "assets/torch/mobilenet_v2-b0353104.pth"), "--limit", "320", "--evaluation-limit", "100",
                        "--output", str(run), "--quiet"], check=True, env=environment, stdout=subprocess.DEVNULL)
        converted = folder / "mobilenet_v2-fmnist.pth"
        subprocess.run([zoo, "convert", str(run / "model/model.safetensors"), str(converted), "--to", "torchvision", "--quiet"], check=True)
        report, plan, splits = (json.loads((run / name).read_text()) for name in ("report.json", "plan.json", "splits.json"))

        model = torchvision.models.mobilenet_v2(num_classes=10)
        model.load_state_dict(torch.load(converted, weights_only=True), strict=True)
        model.eval()
        check(True, "torchvision's mobilenet_v2(num_classes=10) loads the converted fine-tuned model with strict=True")
        images = {"train-images-idx3-ubyte.gz": idx_images(FMNIST / "train-images-idx3-ubyte.gz"),
                  "t10k-images-idx3-ubyte.gz": idx_images(FMNIST / "t10k-images-idx3-ubyte.gz")}
        examples = splits["validation"]
        batch = torch.stack([preprocess(images[e["origin"].split("[")[0]][int(e["origin"].split("[")[1][:-1])], plan) for e in examples])
        with torch.no_grad():
            logits = model(batch).numpy()
        accuracy = float(np.mean(logits.argmax(1) == np.array([e["target"] for e in examples])))
        kept = report["seeds"][report["kept_run"]]
        check(abs(accuracy - kept["validation"]["accuracy"]) < 1e-9,
              f"its validation accuracy in torchvision, {accuracy:.4f}, is the report's {kept['validation']['accuracy']:.4f}")

        first = examples[0]["origin"]
        png = folder / "example.png"
        Image.fromarray(images[first.split("[")[0]][int(first.split("[")[1][:-1])], "L").save(png)
        ran = json.loads(subprocess.run([zoo, "run", "--weights", str(run / "model/model.safetensors"), "--image", str(png), "--top", "10", "--json"],
                                        check=True, capture_output=True, text=True).stdout)
        zoo_logits = {c["index"]: c["logit"] for c in ran["entries"][0]["top"]}
        with torch.no_grad():
            torch_logits = model(preprocess(np.array(Image.open(png)), plan)[None]).numpy()[0]
        gap = max(abs(zoo_logits[k] - float(torch_logits[k])) for k in zoo_logits)
        check(gap < 1e-3, f"zoo run and torchvision agree on a validation image's 10 logits (largest gap {gap:.1e})")

        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        events = EventAccumulator(str(run / "tensorboard" / f"seed-{kept['seed']}"))
        events.Reload()
        losses = [e.value for e in events.Scalars("fine_tune/train/loss")]
        expected = [r["loss"] for r in kept["losses"] if r["phase"] == "fine_tune"]
        check(len(losses) == len(expected) and np.allclose(losses, expected, rtol=1e-6),
              f"TensorBoard's EventAccumulator reads {len(losses)} fine-tune losses equal to report.json's")

        screenshot = folder / "report.png"
        browser = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,2400", "--enable-logging=stderr",
                                  "--v=0", f"--screenshot={screenshot}", (run / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
        console = [line for line in browser.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
        check(browser.returncode == 0 and screenshot.exists() and screenshot.stat().st_size > 10_000 and not console,
              f"headless Chromium renders report.html ({screenshot.stat().st_size if screenshot.exists() else 0} bytes of screenshot, {len(console)} console messages)")
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")


if __name__ == "__main__":
    main(sys.argv[1])
