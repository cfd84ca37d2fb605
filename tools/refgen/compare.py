#!/usr/bin/python3
"""Compare a regenerated set of reference cases with the committed one.

    /usr/bin/python3 tools/refgen/compare.py NEW_DIR [REFERENCE_DIR]

REFERENCE_DIR defaults to testdata/reference/ of this repository. Every
*.json file must be in both directories with the same fields; matrices (X,
M, W0, H0, W, H) and the objective must agree entry by entry to a relative
1e-12, everything else (names, kinds, settings, iteration counts) exactly,
JSON type included. Prints one line per file and exits 1 on any difference.
Needs only the Python standard library.
"""
import json
import math
import os
import sys

REL_TOL = 1e-12
NUMERIC = {"X", "M", "W0", "H0", "W", "H", "objective"}
DEFAULT_REF = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "reference"))


def rel_diff(a, b):
    """|a − b| / max(|a|, |b|), 0 when a == b; NaN if either is NaN."""
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def shape(M):
    """"rows×cols" of a rectangular list of rows of numbers, else "not a matrix"."""
    if (isinstance(M, list) and M and all(isinstance(r, list) and all(map(is_number, r)) for r in M)
            and len({len(r) for r in M}) == 1):
        return f"{len(M)}×{len(M[0])}"
    return "not a matrix"


def compare_numbers(field, new, ref, problems):
    """Return the largest relative difference between two numbers or two
    equally shaped matrices, appending to problems what is out of tolerance."""
    if isinstance(ref, list):
        if shape(new) != shape(ref) or shape(ref) == "not a matrix":
            problems.append(f"{field}: shape {shape(new)} vs reference {shape(ref)}")
            return 0.0
        pairs = [((i, j), a, b) for i, (rn, rr) in enumerate(zip(new, ref)) for j, (a, b) in enumerate(zip(rn, rr))]
    elif not is_number(new):
        problems.append(f"{field}: {new!r} vs reference {ref!r}")
        return 0.0
    else:
        pairs = [((), new, ref)]
    worst = 0.0
    for at, a, b in pairs:
        d = rel_diff(a, b)
        if not d <= REL_TOL:  # also catches NaN
            problems.append(f"{field}{list(at) if at else ''}: {a!r} vs reference {b!r} (relative {d:.3g})")
        if not math.isnan(d):
            worst = max(worst, d)
    return worst


def compare_case(new, ref):
    """Return (largest relative difference, list of problems) for one case."""
    problems, worst = [], 0.0
    for field in sorted(set(new) | set(ref)):
        if field not in new or field not in ref:
            problems.append(f"{field}: only in {'new' if field in new else 'reference'}")
        elif field in NUMERIC:
            worst = max(worst, compare_numbers(field, new[field], ref[field], problems))
        elif type(new[field]) is not type(ref[field]) or new[field] != ref[field]:
            problems.append(f"{field}: {new[field]!r} vs reference {ref[field]!r}")
    return worst, problems


def json_files(directory):
    return {f for f in os.listdir(directory) if f.endswith(".json")}


def main(new_dir, ref_dir):
    new_files, ref_files = json_files(new_dir), json_files(ref_dir)
    failed = False
    for f in sorted(new_files ^ ref_files):
        print(f"{f}: only in {new_dir if f in new_files else ref_dir}")
        failed = True
    for f in sorted(new_files & ref_files):
        with open(os.path.join(new_dir, f), "rb") as a, open(os.path.join(ref_dir, f), "rb") as b:
            new_bytes, ref_bytes = a.read(), b.read()
        if new_bytes == ref_bytes:
            print(f"{f}: identical")
            continue
        worst, problems = compare_case(json.loads(new_bytes), json.loads(ref_bytes))
        print(f"{f}: {'DIFFERS' if problems else 'matches'}, largest relative difference {worst:.3g}")
        for p in problems:
            print("    " + p)
        failed = failed or bool(problems)
    print(f"{len(new_files & ref_files)} files compared; {'FAIL' if failed else 'OK'}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else DEFAULT_REF))
