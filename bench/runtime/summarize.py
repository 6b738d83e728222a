#!/usr/bin/env python3
"""Summarizes a spaceevo-bench-runtime run: which layers are
quantization-unfriendly here (the best bit-exact INT8 kernel not faster
than oneDNN fp32 on the same shape), per kind of layer.

usage: spaceevo-bench-runtime --all ... > run.txt
       python3 bench/runtime/summarize.py run.txt [--barely 1.2] [--list N]
(run.txt may be xz-compressed: run.txt.xz)

Exact backends are onednn, vnni and halide; "fused*" (oneDNN's own u8
kernel, not bit-exact) is reported beside them but never counts as the
INT8 time.
"""

import argparse
import lzma
import statistics
import sys

EXACT = {"onednn", "vnni", "halide"}


def speedup(field):
    """ "3.38x" -> 3.38 (None for anything else)."""
    if not field.endswith("x"):
        return None
    try:
        value = float(field[:-1])
    except ValueError:
        return None
    return value if value > 0 else None


def parse(path):
    """{layer: {"best": (speedup, backend), "fused": speedup}}, speedups
    over fp32 as the driver printed them (computed from unrounded times)."""
    layers = {}
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#") or line.startswith("layer "):
                continue
            fields = line.split()
            if len(fields) < 7:
                continue
            name = " ".join(fields[:2])
            backend = fields[2]
            entry = layers.setdefault(name, {})
            if backend in EXACT and len(fields) >= 10:
                value = speedup(fields[9])
                best = entry.get("best")
                if value and (best is None or value > best[0]):
                    entry["best"] = (value, backend)
            elif backend == "fused*":
                value = speedup(fields[6])
                if value:
                    entry["fused"] = value
    return layers


def kind_of(name):
    """A coarse kind: dw3x3/s1, conv1x1/s2, fc, ..."""
    return name.split()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="output of spaceevo-bench-runtime")
    parser.add_argument("--barely", type=float, default=1.2,
                        help="also count speedups below this (default 1.2)")
    parser.add_argument("--list", type=int, default=12,
                        help="unfriendly layers to list per kind (default 12)")
    parser.add_argument("--by-size", action="store_true",
                        help="also count them per kind and input map size")
    args = parser.parse_args()
    try:
        layers = parse(args.run)
    except (OSError, lzma.LZMAError) as e:
        sys.exit(f"summarize.py: {e}")
    rows = []
    for name, e in layers.items():
        if "best" in e:
            rows.append((name, e["best"][0], e["best"][1], e.get("fused")))
    if not rows:
        sys.exit(f"summarize.py: no layer with an exact INT8 and an fp32 "
                 f"time in {args.run}")
    by_kind = {}
    for row in rows:
        by_kind.setdefault(kind_of(row[0]), []).append(row)
    total_unfriendly = sum(1 for r in rows if r[1] <= 1.0)
    print(f"{len(rows)} conv/depthwise/FC layers with an fp32 time; "
          f"{total_unfriendly} quantization-unfriendly (best exact INT8 "
          f"not faster than fp32), "
          f"{sum(1 for r in rows if 1.0 < r[1] < args.barely)} barely "
          f"faster (< {args.barely}x)")
    print()
    print(f"| kind | layers | INT8 speedup over fp32: min / median / max "
          f"| not faster | < {args.barely}x |")
    print("|---|---:|---|---:|---:|")
    for kind in sorted(by_kind):
        speedups = [r[1] for r in by_kind[kind]]
        print(f"| {kind} | {len(speedups)} | {min(speedups):.2f}x / "
              f"{statistics.median(speedups):.2f}x / {max(speedups):.2f}x "
              f"| {sum(1 for s in speedups if s <= 1.0)} "
              f"| {sum(1 for s in speedups if s < args.barely)} |")
    print()
    if args.by_size:
        print("| kind | input map | not faster / layers |")
        print("|---|---|---:|")
        for kind in sorted(by_kind):
            if not any(r[1] <= 1.0 for r in by_kind[kind]):
                continue
            sizes = {}
            for r in by_kind[kind]:
                size = r[0].split()[1].split("x")[0]
                total, bad = sizes.get(size, (0, 0))
                sizes[size] = (total + 1, bad + (r[1] <= 1.0))
            for size in sorted(sizes, key=int):
                total, bad = sizes[size]
                print(f"| {kind} | {size}x{size} | {bad} / {total} |")
        print()
    for kind in sorted(by_kind):
        bad = sorted((r for r in by_kind[kind] if r[1] <= 1.0),
                     key=lambda r: r[1])
        if not bad:
            continue
        shown = ", ".join(
            f"{r[0].split(' ', 1)[1]} {r[1]:.2f}x ({r[2]}"
            + (f"; fused* {r[3]:.2f}x" if r[3] else "") + ")"
            for r in bad[:args.list])
        more = f", and {len(bad) - args.list} more" if len(bad) > args.list else ""
        print(f"* {kind}, {len(bad)} not faster: {shown}{more}")


if __name__ == "__main__":
    main()
