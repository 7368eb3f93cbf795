"""Manifest loading at scale, run by hand (pytest does not collect it):

    python tests/benchmarks/bench_manifests.py [--keep DIR]

Generates (a) one manifest with 100,000 recipients inline and (b) one with 1,000,000 recipients
in a CSV, then loads each in a fresh subprocess and reports wall seconds, peak RSS and the
recipients count. Targets on a 2-core machine: (a) <= 2 s; (b) <= 10 s and <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
LANGUAGES = ("EN", "HI", "TA", "TE", "MR", "bn", "kn")
NAMES = ("Asha", "Ravi", "John Doe", "Meera", "Arjun", "Fatima", "Li Wei", "Sunita", "Karthik")
PRODUCTS = ("Winter Bundle", "Summer Pack", "Gold Plan", "Basic")
TARGETS = {"yaml-100k": (2.0, None), "csv-1m": (10.0, 1.5 * 1024**3)}


def phones(count: int, seed: int) -> list[str]:
    """Distinct Indian mobile numbers with varied digits, valid for `phonenumbers`."""
    from vozzoctl.manifest.phones import PhoneError, normalize

    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        number = f"+91{rng.choice('6789')}{rng.randrange(10**9):09d}"
        if number in seen:
            continue
        try:
            normalize(number)
        except PhoneError:
            continue
        seen.add(number)
        out.append(number)
    return out


def header(key: str, extra: str) -> str:
    return (
        "apiVersion: vozzoctl/v1\nkind: Campaign\n"
        f"metadata:\n  name: {key}\n"
        f"spec:\n  name: {key}\n  agent: {AGENT}\n"
        "  schedule: {start_date: 2026-12-01, start_hour: 9, end_hour: 18}\n"
        "  retry: {max_attempts: 3}\n"
        "  metadata: {campaign: winter}\n"
        f"{extra}"
    )


def write_yaml(folder: Path, count: int) -> None:
    rng = random.Random(1)
    lines = [header("inline-100k", "  recipients:\n")]
    for phone in phones(count, seed=2):
        lines.append(
            f'    - phone: "{phone}"\n'
            f"      language: {rng.choice(LANGUAGES)}\n"
            f"      metadata: {{customer_name: {rng.choice(NAMES)}, "
            f"product: {rng.choice(PRODUCTS)}}}\n"
        )
    folder.mkdir(parents=True)
    (folder / "campaign.yaml").write_text("".join(lines), encoding="utf-8")


def write_csv(folder: Path, count: int) -> None:
    rng = random.Random(3)
    folder.mkdir(parents=True)
    (folder / "campaign.yaml").write_text(
        header("csv-1m", "  recipient_files: [leads.csv]\n"), encoding="utf-8"
    )
    with (folder / "leads.csv").open("w", encoding="utf-8", newline="") as f:
        f.write("phone,language,customer_name,product\n")
        f.writelines(
            f"{p},{rng.choice(LANGUAGES)},{rng.choice(NAMES)},{rng.choice(PRODUCTS)}\n"
            for p in phones(count, seed=4)
        )


def child(folder: str) -> None:
    """Runs in a fresh interpreter: load, then report as one JSON line."""
    import datetime as dt
    import resource
    import time

    start = time.perf_counter()
    from vozzoctl.manifest import load_desired_state

    result = load_desired_state([folder], today=dt.date(2026, 11, 1), env={})
    wall = time.perf_counter() - start
    errors = [d.format() for d in result.errors][:3]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    count = result.state.recipient_count
    print(json.dumps({"wall": wall, "peak": peak, "recipients": count, "errors": errors}))


def measure(folder: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    report: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="generate into DIR (reused if present)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each, best reported")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    root = args.keep or Path(tempfile.mkdtemp(prefix="vozzoctl-bench-"))
    cases = {"yaml-100k": (write_yaml, 100_000), "csv-1m": (write_csv, 1_000_000)}
    failed = False
    for name, (write, count) in cases.items():
        folder = root / name
        if not folder.exists():
            write(folder, count)
        runs = [measure(folder) for _ in range(args.runs)]
        best = min(runs, key=lambda r: float(str(r["wall"])))
        wall, peak = float(str(best["wall"])), int(str(best["peak"]))
        max_wall, max_peak = TARGETS[name]
        ok = wall <= max_wall and (max_peak is None or peak <= max_peak)
        ok = ok and best["recipients"] == count and not best["errors"]
        failed |= not ok
        print(
            f"{name:10} {wall:6.2f} s  peak {peak / 1024**2:7.0f} MiB  "
            f"recipients {best['recipients']:>9,}  {'ok' if ok else 'MISSED'}"
            + (f"  errors: {best['errors']}" if best["errors"] else "")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
