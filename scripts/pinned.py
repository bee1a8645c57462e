"""Exits non-zero, saying which, unless every package of a requirements file is installed in this
Python at its pinned version (`name==version`; `name>=version` needs only the package). Run with
`python -I` so that only what pip installed counts. scripts/setup-recorder.sh and
scripts/setup-peers.sh use it to stay quiet when there is nothing to install.

    python -I scripts/pinned.py REQUIREMENTS.txt
"""
import importlib.metadata as md
import re
import sys

for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, op, wanted = re.match(r"([A-Za-z0-9_.-]+)\s*(==|>=)?\s*(\S*)", line).groups()
    have = md.version(name)  # PackageNotFoundError when missing
    if op == "==" and have.split("+")[0] != wanted:
        sys.exit(f"{name} {have} installed, {wanted} wanted")
