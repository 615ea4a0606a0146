"""Real-time factor and peak memory of the full pipeline on the demo calls.

    python benchmarks/pipeline_speed.py [FILES...]

RTF = processing seconds ÷ call seconds (model loading excluded and reported apart). Peak memory is
the process's maximum resident set size.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa_engine.asr.model import load_model  # noqa: E402
from qa_engine.config import REPO_ROOT, get_settings  # noqa: E402
from qa_engine.ingest import find_recordings  # noqa: E402
from qa_engine.pipeline import analyze_call  # noqa: E402
from qa_engine.rules import load_ruleset  # noqa: E402


def main(paths: list[Path]) -> None:
    settings = get_settings()
    t0 = time.perf_counter()
    model = load_model(settings)
    ruleset = load_ruleset(settings.rules_dir)
    print(f"model load: {time.perf_counter() - t0:.2f} s  (model={settings.asr_model}, "
          f"compute={settings.asr_compute_type}, threads={settings.asr_threads})")
    total_audio = total_proc = 0.0
    print(f"{'call':<28}{'audio s':>9}{'proc s':>9}{'RTF':>8}")
    for path in paths:
        t = time.perf_counter()
        analysis = analyze_call(path, settings, model=model, ruleset=ruleset)
        took = time.perf_counter() - t
        total_audio += analysis.duration_s
        total_proc += took
        print(f"{path.name:<28}{analysis.duration_s:>9.1f}{took:>9.2f}{took / analysis.duration_s:>8.3f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'overall':<28}{total_audio:>9.1f}{total_proc:>9.2f}{total_proc / max(total_audio, 1e-9):>8.3f}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    main(args or find_recordings(REPO_ROOT / "audio_samples"))
