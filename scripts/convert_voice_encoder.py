"""One-time conversion of Resemblyzer's pretrained GE2E voice encoder to a numpy ``.npz``.

Resemblyzer 0.1.4 (PyPI wheel, Apache-2.0, https://github.com/resemble-ai/Resemblyzer) ships
``resemblyzer/pretrained.pt``: a 3-layer LSTM (40 mel channels → 256) and a linear layer 256 → 256.
The engine runs it in numpy (``qa_engine.diarization.voice_encoder``) so the core install needs no
torch. Run with a Python that has torch (the repo's ``.venv-tts``)::

    pip download resemblyzer==0.1.4 --no-deps -d /tmp/resem && (cd /tmp/resem && unzip -o -q *.whl)
    .venv-tts/bin/python scripts/convert_voice_encoder.py /tmp/resem/resemblyzer/pretrained.pt

It writes ``qa_engine/diarization/weights/voice_encoder_ge2e.npz`` (float32; names follow torch's
``lstm.weight_ih_l{k}`` etc. with dots replaced by underscores) and prints its sha256.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "qa_engine" / "diarization" / "weights" / "voice_encoder_ge2e.npz"


def main(pt_path: str) -> int:
    import torch

    state = torch.load(pt_path, map_location="cpu")["model_state"]
    arrays = {name.replace(".", "_"): tensor.detach().cpu().numpy().astype(np.float32)
              for name, tensor in state.items() if name.startswith(("lstm.", "linear."))}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(OUT, {k: v.shape for k, v in arrays.items()})
    print("sha256", hashlib.sha256(OUT.read_bytes()).hexdigest(), "source sha256",
          hashlib.sha256(Path(pt_path).read_bytes()).hexdigest())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/resem/resemblyzer/pretrained.pt"))
