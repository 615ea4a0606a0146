"""Where the benchmarks find their recordings.

The demo calls live in ``audio_samples/``. Each dev script set (``benchmarks/devcorpus/scenarios*.yaml``)
renders into ``benchmarks/devcorpus/calls/<key>/``, the key a hash of the scripts and the generators;
a folder left from older scripts has another key and is not picked. The openings corpus renders into
``benchmarks/openings/calls/<key>/``.
"""
from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "audio_samples"
DEVCORPUS = REPO / "benchmarks" / "devcorpus"
OPENINGS = REPO / "benchmarks" / "openings"


@cache
def _dev_generator():
    # Imported from its file: the key is the generator's own (corpus_key), not a copy of it.
    spec = importlib.util.spec_from_file_location("devcorpus_generate", DEVCORPUS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dev_corpora() -> list[Path]:
    """The rendered folder of every dev script set, in the order of the script files
    (``scenarios.yaml`` first, then ``scenarios_set3.yaml``…); sets not rendered yet are left out."""
    key = _dev_generator().corpus_key
    folders = [DEVCORPUS / "calls" / key(s) for s in sorted(DEVCORPUS.glob("scenarios*.yaml"))]
    return [f for f in folders if f.is_dir()]


def opening_corpora() -> list[Path]:
    return sorted(p for p in (OPENINGS / "calls").glob("*/") if p.is_dir())
