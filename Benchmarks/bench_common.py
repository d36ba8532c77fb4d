"""What the `make bench` scripts share: running a process for its output, wall time and peak RSS;
the machine and the CPU other processes used meanwhile; the options, rounds and report lines of the
sections that time zoo against PyTorch workload by workload; writing a section.

Standard library only: the drivers import nothing heavy, since a child's peak RSS starts from the
image it was forked from.
"""
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

QUIET = 0.05  # other processes' CPU use, as a share of the cores, above which a section says the machine was busy


def run(command, stdout=subprocess.PIPE):
    """Runs a command; returns (stdout, wall seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout)
    output = process.stdout.read().decode() if stdout == subprocess.PIPE else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{command} failed with status {status}")
    return output, wall, usage.ru_maxrss / 1024


def last_json(command, output):
    """The JSON object a process printed: its whole stdout, or else its last line that starts with `{`."""
    text = output.strip()
    try:
        return json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.startswith("{")]
        try:
            return json.loads(lines[-1])
        except (IndexError, ValueError):
            sys.exit(f"{command[0]}: no JSON object on stdout: {text[-500:]!r}")


def executable(path, flag):
    """`path` made absolute, or exits naming `flag` when it is not an executable file."""
    path = os.path.abspath(path)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        sys.exit(f"{flag}: {path} is not an executable file (`swift build -c release` builds it)")
    return path


def calibrate(zoo, threads):
    """`zoo calibrate --force --json`'s JSON, checked to have run `threads` threads (ZOO_THREADS)."""
    output, _, _ = run([zoo, "calibrate", "--force", "--json"])
    calibration = json.loads(output)
    if calibration["key"]["threads"] != threads:
        sys.exit(f"zoo calibrate ran {calibration['key']['threads']} threads, not {threads}")
    return calibration


def write_section(path, lines):
    with open(path, "w") as out:
        out.write("\n".join(lines))
    print("wrote", path)


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def busy_cpu_seconds():
    """CPU seconds every process on the machine has used since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, _idle, _iowait, irq, softirq = [int(x) for x in stat.readline().split()[1:8]]
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_alone(command):
    """run(command) plus the CPU seconds other processes used meanwhile (None where unknown):
    on a machine this size, a build beside the bench slows both sides far more than it would
    a single-threaded job."""
    busy, own = busy_cpu_seconds(), children_cpu_seconds()
    output, wall, rss = run(command)
    after = busy_cpu_seconds()
    foreign = None if busy is None or after is None else max(0.0, after - busy - (children_cpu_seconds() - own))
    return output, wall, rss, foreign


def workload_options(parser, workloads, rounds, unit):
    """Adds the options of a section timed workload by workload (--threads, --rounds, --warmup,
    --iterations and --workloads, `unit` naming what a process times), parses the command line and
    returns it with the chosen workloads' names."""
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="for both sides (default: os.cpu_count())")
    parser.add_argument("--rounds", type=int, default=rounds, help=f"zoo / PyTorch process pairs per workload (default {rounds})")
    parser.add_argument("--warmup", type=int, help=f"warm-up {unit} per process (default: per workload)")
    parser.add_argument("--iterations", type=int, help=f"timed {unit} per process (default: per workload)")
    parser.add_argument("--workloads", default=",".join(workloads), help="comma-separated subset of " + ", ".join(workloads))
    args = parser.parse_args()
    chosen = [name for name in args.workloads.split(",") if name]
    if not chosen or any(name not in workloads for name in chosen):
        parser.error(f"--workloads: choose from {', '.join(workloads)}")
    if args.rounds < 1 or (args.iterations is not None and args.iterations < 1) or (args.warmup is not None and args.warmup < 0):
        parser.error("--rounds and --iterations must be at least 1, --warmup at least 0")
    return args, chosen


def measure_rounds(commands, rounds, parse, batch):
    """`rounds` rounds of zoo's then PyTorch's command (`commands`: "zoo" and "torch"), each a fresh
    process whose JSON `parse(command, output)` checks. Per side, over every timed pass's `seconds`:
    median, min, max and throughput (`batch` over the median); the median peak RSS (MiB); every
    result and the last; wall seconds and other processes' CPU seconds meanwhile. And the ratio of
    PyTorch's median to zoo's."""
    sides = {side: {"seconds": [], "rss": [], "results": [], "wall": 0.0, "foreign": 0.0} for side in commands}
    for _ in range(rounds):
        for side, command in commands.items():
            output, wall, rss, foreign = run_alone(command)
            result = parse(command, output)
            data = sides[side]
            data["wall"] += wall
            data["foreign"] = None if foreign is None or data["foreign"] is None else data["foreign"] + foreign
            data["seconds"] += [float(s) for s in result["seconds"]]
            data["rss"].append(rss)
            data["results"].append(result)
    summary = {}
    for side, data in sides.items():
        median = statistics.median(data["seconds"])
        summary[side] = {"median": median, "min": min(data["seconds"]), "max": max(data["seconds"]),
                         "throughput": batch / median, "rss": statistics.median(data["rss"]),
                         "last": data["results"][-1], "results": data["results"], "wall": data["wall"], "foreign": data["foreign"]}
    summary["ratio"] = summary["torch"]["median"] / summary["zoo"]["median"]
    return summary


def run_workloads(chosen, workloads, args, measure):
    """`measure(name, spec, warmup, iterations)` of each chosen workload, warm-up and iterations from
    the command line or else the workload, printing a line each; returns rows (name, spec, warmup,
    iterations, summary, seconds taken)."""
    rows = []
    for name in chosen:
        spec = workloads[name]
        warmup = spec["warmup"] if args.warmup is None else args.warmup
        iterations = spec["iterations"] if args.iterations is None else args.iterations
        started = time.perf_counter()
        summary = measure(name, spec, warmup, iterations)
        took = time.perf_counter() - started
        rows.append((name, spec, warmup, iterations, summary, took))
        print(f"{spec['label']}: zoo {summary['zoo']['throughput']:.2f} {spec['unit']}/s, torch "
              f"{summary['torch']['throughput']:.2f} {spec['unit']}/s, ratio {summary['ratio']:.2f}, "
              f"RSS zoo {summary['zoo']['rss']:.0f} MiB / torch {summary['torch']['rss']:.0f} MiB, {took:.0f} s, "
              f"other processes' CPU use: {load_text(summary)}", flush=True)
    return rows


def batch_shape(spec):
    return f"{spec['batch']} × {spec['tokens']} tokens" if spec["tokens"] else f"{spec['batch']} × 3×224×224"


def load(side):
    """Other processes' CPU seconds per second of this side's processes, as a share of the cores."""
    if side["foreign"] is None:
        return None
    return side["foreign"] / side["wall"] / (os.cpu_count() or 1)


def load_text(summary):
    zoo, torch = load(summary["zoo"]), load(summary["torch"])
    if zoo is None or torch is None:
        return "unknown (no /proc/stat)"
    return f"zoo {zoo:.0%}, PyTorch {torch:.0%}"


def times_line(rows, unit):
    """The section's line of each workload's median (min–max) time per `unit` on either side."""
    return f"Per-{unit} time, median (min–max): " + "; ".join(
        f"{spec['label']}: zoo {s['zoo']['median'] * 1e3:.0f} ms ({s['zoo']['min'] * 1e3:.0f}–{s['zoo']['max'] * 1e3:.0f}),"
        f" PyTorch {s['torch']['median'] * 1e3:.0f} ms ({s['torch']['min'] * 1e3:.0f}–{s['torch']['max'] * 1e3:.0f})"
        for _, spec, _, _, s, _ in rows) + "."


def machine_load_line(rows, units):
    """The section's bullet on other processes' CPU use during each workload, in bold where it slowed the `units`."""
    busy = [spec["label"] for _, spec, _, _, s, _ in rows if max(load(s["zoo"]) or 0, load(s["torch"]) or 0) > QUIET]
    return (f"- Machine load: other processes' CPU use while the measured processes ran, as a share of the {os.cpu_count()} cores: "
            + "; ".join(f"{spec['label']} {load_text(s)}" for _, spec, _, _, s, _ in rows) + "."
            + (f" **The machine was not quiet during {', '.join(busy)}: those {units} were slowed by other work (both sides,"
               " unevenly); rerun on an idle machine.**" if busy else ""))


def torch_versions(rows):
    """PyTorch's side's versions over all rows (torchvision and transformers are imported only by the
    workloads that use them), and their text: PyTorch, torchvision, transformers, Python."""
    versions = {}
    for *_, summary, _ in rows:
        versions.update(summary["torch"]["last"]["versions"])
    return versions, (f"PyTorch {versions['torch']}"
                      + (f", torchvision {versions['torchvision']}" if "torchvision" in versions else "")
                      + (f", transformers {versions['transformers']}" if "transformers" in versions else "")
                      + f", Python {versions['python']}")
