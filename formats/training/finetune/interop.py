"""`make interop`'s check of what `zoo finetune` writes, in the real libraries:

1. zoo fine-tunes the real MobileNetV2 on a small Fashion-MNIST sample (the cached LP-FT plan beside
   this script), then converts the run's model folder to a torchvision .pth and to a whole Keras model;
2. torchvision's `mobilenet_v2(num_classes=10)` loads it with strict=True and, on the run's validation
   examples (splits.json, decoded from the IDX files, preprocessed as zoo does), predicts what zoo's report
   says: the same accuracy, and logits within 1e-3 of `zoo run`'s on a few of them; `keras.saving.load_model`
   on the .keras file gives torchvision's logits on the same examples (within 1e-4);
3. TensorBoard's `EventAccumulator` reads the run's event file: every training loss equals report.json's;
4. headless Chromium renders report.html (a screenshot, no console errors);
5. zoo fine-tunes the real all-MiniLM-L6-v2 on sentence pairs made from the Rotten Tomatoes snippets
   (two reviews; label: same or different verdict) with the plan minilm-pairs.plan.json, converts the
   model folder with `--to huggingface`; transformers' AutoModelForSequenceClassification loads the folder
   with no missing or unexpected key, AutoTokenizer from the same folder encodes the validation pairs, and
   the model gives the report's validation accuracy and loss.

    python formats/training/finetune/interop.py ZOO ROTTEN_TOMATOES_TRAIN_CSV   # exit 1 on a failed check
"""
import csv
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


def main(zoo, rotten_tomatoes):
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

        import keras
        whole = folder / "mobilenet_v2-fmnist.keras"
        subprocess.run([zoo, "convert", str(run / "model/model.safetensors"), str(whole), "--to", "keras3", "--quiet"], check=True)
        keras_logits = np.asarray(keras.saving.load_model(whole)(batch.permute(0, 2, 3, 1).numpy()))
        gap = float(np.abs(keras_logits - logits).max())
        check(gap < 1e-4 and (keras_logits.argmax(1) == logits.argmax(1)).all(),
              f"keras.saving.load_model on zoo's .keras of the fine-tuned model gives torchvision's logits on {len(examples)} validation images (max |Δ| {gap:.1e})")

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
        sentence_pairs(zoo, folder, rotten_tomatoes)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")


def sentence_pairs(zoo, folder, rotten_tomatoes):
    """Part 5: a MiniLM sentence-pair fine-tune, converted for Hugging Face, in transformers."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    rows = list(csv.DictReader(open(rotten_tomatoes, encoding="utf-8")))[:800]
    data = folder / "pairs.csv"
    with open(data, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "text_pair", "label"])
        for first, second in zip(rows[0::2], rows[1::2]):
            writer.writerow([first["text"], second["text"], "same" if first["category"] == second["category"] else "different"])
    run = folder / "pairs-run"
    subprocess.run([zoo, "finetune", "--plan", str(HERE / "minilm-pairs.plan.json"), "--data", str(data),
                    "--weights", str(ROOT / "assets/all-MiniLM-L6-v2/model.safetensors"), "--output", str(run), "--quiet"],
                   check=True, env={"ZOO_CACHE_DIR": str(folder / "cache"), "PATH": "/usr/bin:/bin"}, stdout=subprocess.DEVNULL)
    converted = folder / "minilm-pairs-hf"
    subprocess.run([zoo, "convert", str(run / "model/model.safetensors"), str(converted), "--to", "huggingface", "--quiet"], check=True)
    report, plan, splits = (json.loads((run / name).read_text()) for name in ("report.json", "plan.json", "splits.json"))
    model, info = AutoModelForSequenceClassification.from_pretrained(converted, output_loading_info=True)
    model.eval()
    check(not any(info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys")),
          f"transformers' AutoModelForSequenceClassification loads zoo's converted sentence-pair model ({type(model).__name__}) with no missing or unexpected key")
    tokenizer = AutoTokenizer.from_pretrained(converted)
    by_line = {i + 2: row for i, row in enumerate(csv.DictReader(open(data, encoding="utf-8")))}
    examples = splits["validation"]
    firsts = [by_line[int(e["origin"].rsplit(":", 1)[1])]["text"] for e in examples]
    seconds = [by_line[int(e["origin"].rsplit(":", 1)[1])]["text_pair"] for e in examples]
    encoded = tokenizer(firsts, seconds, padding=True, truncation="longest_first", max_length=plan["preprocessing"]["max_length"], return_tensors="pt")
    check(bool((encoded["token_type_ids"] == 1).any()), "AutoTokenizer from the converted folder marks the second text of each pair as segment 1")
    with torch.no_grad():
        logits = model(**encoded).logits.double()
    targets = torch.tensor([e["target"] for e in examples])
    accuracy = float((logits.argmax(1) == targets).double().mean())
    loss = float(torch.nn.functional.cross_entropy(logits, targets))
    kept = report["seeds"][report["kept_run"]]["validation"]
    check(abs(accuracy - kept["accuracy"]) < 1e-9 and abs(loss - kept["loss"]) < 1e-4,
          f"on {len(examples)} validation pairs transformers gives the report's accuracy {kept['accuracy']:.4f} ({accuracy:.4f}) and loss {kept['loss']:.5f} ({loss:.5f})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
