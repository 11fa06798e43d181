#!/usr/bin/env python3
"""Serial time of a multi-threaded sluice run, per phase, and whose stacks it was.

    bench/serial_time.py PERF_SCRIPT_TXT RUN_JSON [--slot S] [--top N] [--threads N] [--hz HZ]

PERF_SCRIPT_TXT is `perf script -F tid,time,ip,sym` of a `perf record -F HZ --call-graph dwarf`
of `sluice run ... --threads N --json`, and RUN_JSON that run's `--json` summary (its `phases`
give the phase boundaries). The run is cut into slots (20 ms by default); a slot in which fewer
than N threads were sampled is counted as time where the others waited. With HZ = 199 a busy
thread is sampled about four times per slot, so a few percent of slots are miscounted as
serial: compare runs, do not read the figure as exact.
"""

import argparse
import collections
import json
import re
import sys

HEADER = re.compile(r"\s*(\d+)\s+([\d.]+):")


def read_samples(path):
    """(thread id, time, [frames leaf first]) per sample."""
    samples = []
    current = None
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            # Frames are indented with a tab; a sample's header line (thread id padded with
            # spaces) is not.
            if not line.startswith("\t"):
                header = HEADER.match(line)
                if header:
                    current = (int(header.group(1)), float(header.group(2)), [])
                    samples.append(current)
                continue
            frame = line.strip()
            if not frame or current is None:
                continue
            parts = frame.split(None, 1)
            symbol = parts[1] if len(parts) > 1 else parts[0]
            current[2].append(re.sub(r"\+0x[0-9a-f]+$", "", symbol))
    return samples


def phase_ends(run_json):
    """Cumulative end (seconds from the start) and name of each phase of the run."""
    with open(run_json, encoding="utf-8") as f:
        phases = json.load(f)["phases"]
    ends, total = [], 0.0
    for phase in phases:
        total += phase["wall_ms"] / 1000
        ends.append((total, phase["phase"]))
    return ends


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("perf_script")
    parser.add_argument("run_json")
    parser.add_argument("--slot", type=float, default=0.02)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--hz", type=float, default=199, help="perf record -F")
    args = parser.parse_args()

    samples = read_samples(args.perf_script)
    if not samples:
        sys.exit("no samples: was perf script run with -F tid,time,ip,sym?")
    start = min(t for _, t, _ in samples)
    end = max(t for _, t, _ in samples)
    ends = phase_ends(args.run_json)

    def phase_at(seconds):
        for phase_end, name in ends:
            if seconds <= phase_end:
                return name
        return "after the last phase"

    active = collections.defaultdict(set)
    for tid, t, _ in samples:
        active[int((t - start) / args.slot)].add(tid)

    def serial(slot):
        return len(active.get(slot, ())) < args.threads

    total, waiting = collections.Counter(), collections.Counter()
    for slot in range(int((end - start) / args.slot) + 1):
        name = phase_at(slot * args.slot)
        total[name] += args.slot
        if serial(slot):
            waiting[name] += args.slot

    print(f"{'phase':24} {'serial s':>9} {'wall s':>8}")
    order = [name for _, name in ends] + ["after the last phase"]
    for name in order:
        if total[name]:
            print(f"{name:24} {waiting[name]:9.2f} {total[name]:8.2f}")
    print(f"{'whole run':24} {sum(waiting.values()):9.2f} {sum(total.values()):8.2f}")

    # Whose stacks ran while the others waited: the two innermost named sluice frames.
    rate = args.hz
    stacks = collections.Counter()
    for tid, t, frames in samples:
        if serial(int((t - start) / args.slot)):
            named = [
                f for f in frames if "sluice" in f and "(inlined)" not in f and "{{closure}}" not in f
            ][:2]
            stacks[(phase_at(t - start), " <- ".join(f[:80] for f in named))] += 1
    print(f"\nserial samples by phase and stack (seconds at {rate:.0f} samples/s):")
    for (name, stack), count in stacks.most_common(args.top):
        print(f"{count / rate:6.2f}  {name:18} {stack}")


if __name__ == "__main__":
    main()
