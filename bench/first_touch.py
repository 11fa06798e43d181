#!/usr/bin/env python3
"""What this machine charges for touching fresh memory, gigabyte by gigabyte.

    bench/first_touch.py [GB]      default: 60 % of MemAvailable, at most 16

Maps GB of anonymous memory and writes one byte per 4 KiB page, timing each gigabyte (wall and
system time). On bare metal every gigabyte costs about the same. On a VM whose guest reports
free pages to the host (Linux free page reporting, e.g. Firecracker or QEMU with
`page_reporting`), memory the guest has not touched lately is no longer backed, and each first
touch beyond the warm part costs a host fault too: the bench VM charged 0.6 s per GB for its
first 8 GB and 3.3-3.9 s per GB beyond (2026-12-02). `bench/scaling.sh` prints this curve
after its runs, so a large run's system time can be read against it.
"""

import mmap
import resource
import sys
import time

PAGE = 4096
GIB = 1 << 30


def available_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / GIB
    return 4.0


def main() -> int:
    gib = int(sys.argv[1]) if len(sys.argv) > 1 else int(min(16.0, 0.6 * available_gib()))
    if gib < 1:
        print("error: less than 1 GB to touch", file=sys.stderr)
        return 2
    memory = mmap.mmap(-1, gib * GIB, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    print(f"first touch of {gib} GB, one byte per 4 KiB page:")
    print("| GB | wall s | system s |")
    print("|---:|---:|---:|")
    total_wall = total_sys = 0.0
    for gb in range(gib):
        start_wall = time.monotonic()
        start_sys = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        for offset in range(gb * GIB, (gb + 1) * GIB, PAGE):
            memory[offset] = 1
        wall = time.monotonic() - start_wall
        sys_time = resource.getrusage(resource.RUSAGE_SELF).ru_stime - start_sys
        total_wall += wall
        total_sys += sys_time
        print(f"| {gb + 1} | {wall:.2f} | {sys_time:.2f} |", flush=True)
    print(f"all: {total_wall:.1f} s wall, {total_sys:.1f} s system")
    memory.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
