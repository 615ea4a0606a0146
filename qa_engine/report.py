"""Human-readable terminal report of one analysed call (Chinese by default, English option)."""

from __future__ import annotations

import typer

from qa_engine.types import CallAnalysis

LABELS = {
    "zh": {"call": "通话", "duration": "时长", "score": "得分", "transcript": "转写", "findings": "质检结果",
           "agent": "坐席", "customer": "客户", "pass": "通过", "fail": "不通过", "n/a": "不适用",
           "rings": "振铃次数", "holds": "保持", "dead_air": "静默", "overlaps": "抢话"},
    "en": {"call": "Call", "duration": "duration", "score": "score", "transcript": "Transcript", "findings": "Findings",
           "agent": "agent", "customer": "customer", "pass": "pass", "fail": "FAIL", "n/a": "n/a",
           "rings": "rings", "holds": "holds", "dead_air": "dead air", "overlaps": "overlaps"},
}
COLORS = {"pass": typer.colors.GREEN, "fail": typer.colors.RED, "n/a": typer.colors.BRIGHT_BLACK}


def print_analysis(a: CallAnalysis, lang: str = "zh") -> None:
    t = LABELS.get(lang, LABELS["zh"])
    score = f"{a.score.total:.1f}" if a.score is not None and a.score.total is not None else f"- ({a.scoring_reason})"
    if a.metrics.truncated:
        score += f"  [truncated: {a.duration_s:.1f} s of {a.metrics.declared_duration_s:.1f} s]"
    typer.secho(f"{t['call']} {a.call_id}  {t['duration']} {a.duration_s:.1f}s  {t['score']} {score}", bold=True)
    m = a.metrics
    typer.echo(f"  {t['rings']}: {m.rings}  {t['holds']}: {len(m.holds)}  {t['dead_air']}: {len(m.dead_air)}  {t['overlaps']}: {len(m.overlaps)}")
    typer.secho(t["transcript"], bold=True)
    for u in a.transcript:
        typer.echo(f"  [{u.start:6.1f}-{u.end:6.1f}] {t[u.speaker]}: {u.text}")
    typer.secho(t["findings"], bold=True)
    for f in a.findings:
        typer.secho(f"  {t[f.outcome]:<4} {f.rule_id:<34} {f.message}", fg=COLORS[f.outcome])
