#!/usr/bin/env python3
"""make redteam: the slow half of the hostile suite (issue 17). Interrupts `zoo convert` at random
moments of single-file and sharded writes with SIGINT, SIGTERM and SIGKILL, and fills a small tmpfs
while it writes each output format, then checks what is left: no crash (a signal other than the one
sent, or an undocumented exit code), no hang, no partial output visible under the output's name, no
modified source, and (but after SIGKILL, which nothing can clean up after) no temporary files left.
Prints a table; Fuzz/README.md records its figures. Standard library only.

    Fuzz/redteam.py ZOO [--runs N] [--seed S] [--megabytes M]
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import tempfile
import time

DOCUMENTED_EXITS = {0, 1, 2, 3, 4, 5, 6}
FORMATS = {  # output name → extra arguments
    "single .safetensors": ("out.safetensors", []),
    "sharded .safetensors": ("shards/model.safetensors", ["--shard-size", "16MB"]),
    ".npz": ("out.npz", []),
    ".pth": ("out.pth", []),
    "Keras .h5": ("out.h5", []),
}


def write_source(path, megabytes, rng):
    """A safetensors file of 32 float32 tensors filling `megabytes` MB with random bytes."""
    count, each = 32, megabytes * 1_000_000 // 32 // 4 * 4
    header, offset = {}, 0
    for index in range(count):
        header[f"layer{index:02d}.weight"] = {"dtype": "F32", "shape": [each // 4], "data_offsets": [offset, offset + each]}
        offset += each
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for _ in range(count):
            f.write(rng.randbytes(each))


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def leftovers(folder):
    """Hidden temporaries and staging folders zoo writes beside an output."""
    found = []
    for root, folders, files in os.walk(folder):
        found += [os.path.join(root, n) for n in files + folders if n.startswith(".")]
    return found


def published_is_whole(zoo, path, source_sums):
    """An output visible under its name must read back with every tensor equal to the source's."""
    target = path if not path.endswith("shards/model.safetensors") else os.path.join(os.path.dirname(path), "model.safetensors.index.json")
    if not os.path.exists(target):
        shards = os.path.dirname(path)
        visible = [n for n in os.listdir(shards) if not n.startswith(".")] if os.path.isdir(shards) else []
        return not visible, ("shards without an index: " + ", ".join(visible)) if visible else ""
    result = subprocess.run([zoo, "inspect", target, "--checksum", "--json"], capture_output=True, text=True)
    if result.returncode != 0:
        return False, "published output does not read: " + result.stderr.strip()[:200]
    sums = {t["name"]: t["crc32"] for t in json.loads(result.stdout)[0]["tensors"]}
    return sums == source_sums, "" if sums == source_sums else "published output differs from the source"


def run_interrupts(zoo, source, source_sums, runs, rng, work, rows):
    full = {}
    for name, (output, extra) in FORMATS.items():  # how long an uninterrupted conversion takes
        folder = tempfile.mkdtemp(dir=work)
        started = time.monotonic()
        subprocess.run([zoo, "convert", source, os.path.join(folder, output), *extra], capture_output=True, check=True)
        full[name] = time.monotonic() - started
        shutil.rmtree(folder)
    source_digest = digest(source)
    for name, (output, extra) in FORMATS.items():
        for sent in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            row = {"case": f"{name}, {sent.name} at a random moment", "runs": 0, "crashes": 0, "hangs": 0, "partial": 0, "modified": 0, "leftovers": 0, "notes": set()}
            for _ in range(runs):
                folder = tempfile.mkdtemp(dir=work)
                path = os.path.join(folder, output)
                process = subprocess.Popen([zoo, "convert", source, path, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                time.sleep(rng.uniform(0, full[name] * 1.1))
                process.send_signal(sent)
                try:
                    _, stderr = process.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    row["hangs"] += 1
                    continue
                row["runs"] += 1
                code = process.returncode
                if code < 0 and -code != sent or code > 0 and code not in DOCUMENTED_EXITS and code != 128 + sent:
                    row["crashes"] += 1
                    row["notes"].add(f"exit {code}: {stderr.decode(errors='replace').strip()[:120]}")
                whole, why = published_is_whole(zoo, path, source_sums)
                if not whole:
                    row["partial"] += 1
                    row["notes"].add(why)
                if digest(source) != source_digest:
                    row["modified"] += 1
                if sent != signal.SIGKILL and leftovers(folder):
                    row["leftovers"] += 1
                    row["notes"].add("left: " + ", ".join(os.path.basename(p) for p in leftovers(folder)))
                shutil.rmtree(folder)
            rows.append(row)


def run_disk_full(zoo, source, source_sums, work, rows):
    mount = tempfile.mkdtemp(dir=work)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount], capture_output=True).returncode != 0:
        rows.append({"case": "disk full (tmpfs)", "skipped": "mounting a tmpfs is not allowed here"})
        return
    try:
        source_digest = digest(source)
        for name, (output, extra) in FORMATS.items():
            row = {"case": f"{name}, disk full", "runs": 1, "crashes": 0, "hangs": 0, "partial": 0, "modified": 0, "leftovers": 0, "notes": set()}
            path = os.path.join(mount, output)
            try:
                result = subprocess.run([zoo, "convert", source, path, *extra], capture_output=True, text=True, timeout=120)
                if result.returncode != 3:
                    row["crashes"] += 1
                    row["notes"].add(f"exit {result.returncode} (3 expected): {result.stderr.strip()[:160]}")
            except subprocess.TimeoutExpired:
                row["hangs"] += 1
            if os.listdir(mount):
                row["partial"] += 1
                row["notes"].add("left: " + ", ".join(os.listdir(mount)))
            if digest(source) != source_digest:
                row["modified"] += 1
            for entry in os.listdir(mount):
                target = os.path.join(mount, entry)
                shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)
            rows.append(row)
    finally:
        subprocess.run(["umount", mount])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zoo")
    parser.add_argument("--runs", type=int, default=6, help="interrupted runs per format and signal")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--megabytes", type=int, default=96, help="size of the generated source")
    arguments = parser.parse_args()
    zoo = os.path.abspath(arguments.zoo)
    rng = random.Random(arguments.seed)
    work = tempfile.mkdtemp(prefix="zoo-redteam-")
    try:
        source = os.path.join(work, "source.safetensors")
        write_source(source, arguments.megabytes, rng)
        listing = subprocess.run([zoo, "inspect", source, "--checksum", "--json"], capture_output=True, text=True, check=True)
        source_sums = {t["name"]: t["crc32"] for t in json.loads(listing.stdout)[0]["tensors"]}
        rows = []
        run_interrupts(zoo, source, source_sums, arguments.runs, rng, work, rows)
        run_disk_full(zoo, source, source_sums, work, rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    columns = ["runs", "crashes", "hangs", "partial", "modified", "leftovers"]
    print(f"| case | {' | '.join(columns)} | notes |")
    print("|---|" + "---|" * len(columns) + "---|")
    failed = False
    for row in rows:
        if "skipped" in row:
            print(f"| {row['case']} |" + " — |" * len(columns) + f" skipped: {row['skipped']} |")
            continue
        failed |= any(row[c] for c in columns[1:])
        print(f"| {row['case']} | " + " | ".join(str(row[c]) for c in columns) + " | " + "; ".join(sorted(row["notes"])) + " |")
    print("\nleftovers are counted for SIGINT and SIGTERM only: after SIGKILL nothing can remove a temporary file.")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
