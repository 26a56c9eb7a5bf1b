"""Split a blind set into a tuning half and a locked half, once, with a fixed seed.

The sets were written by helpers who saw only a brief (who writes, in what voice, about which
topics), never ropbot's code, intents, corpus examples or evaluation sets. Tune on `*-tuning.yaml`
only; `*-locked.yaml` is scored once, at the end of a piece of work.

    python tests/data/blind/split.py NAME KEY FILE... (KEY: the field to stratify by, e.g. label)
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml

SEED = 20261128


def split(rows: list[dict], key: str) -> tuple[list[dict], list[dict]]:
    rng = random.Random(SEED)
    tuning: list[dict] = []
    locked: list[dict] = []
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row.get("writer"), str(row.get(key))), []).append(row)
    for group_key in sorted(groups, key=str):
        group = groups[group_key]
        rng.shuffle(group)
        half = (len(group) + rng.randint(0, 1)) // 2
        tuning.extend(group[:half])
        locked.extend(group[half:])
    return tuning, locked


def main(name: str, key: str, files: list[str]) -> None:
    rows: list[dict] = []
    for path in files:
        writer = Path(path).stem
        for row in yaml.safe_load(Path(path).read_text(encoding="utf-8")):
            rows.append({**row, "writer": writer})
    tuning, locked = split(rows, key)
    here = Path(__file__).parent
    for suffix, part in (("tuning", tuning), ("locked", locked)):
        out = here / f"{name}-{suffix}.yaml"
        out.write_text(yaml.safe_dump(part, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        print(out, len(part))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
