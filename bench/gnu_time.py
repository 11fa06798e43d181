"""Prints the wall seconds and peak RSS (MB) that `/usr/bin/time -v -o FILE` recorded.

    python3 bench/gnu_time.py FILE        ->  "<wall s>\t<peak RSS MB>"
    python3 bench/gnu_time.py FILE --cpu  ->  "<wall s>\t<peak RSS MB>\t<user s>\t<system s>"
"""
import sys

fields = {}
for line in open(sys.argv[1]):
    key, _, value = line.strip().rpartition(": ")
    fields[key] = value
wall = 0.0
for part in fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"):
    wall = wall * 60 + float(part)
rss_mb = int(fields["Maximum resident set size (kbytes)"]) / 1024
if "--cpu" in sys.argv[2:]:
    user = float(fields["User time (seconds)"])
    system = float(fields["System time (seconds)"])
    print(f"{wall:.2f}\t{rss_mb:.0f}\t{user:.1f}\t{system:.1f}")
else:
    print(f"{wall:.2f}\t{rss_mb:.0f}")
