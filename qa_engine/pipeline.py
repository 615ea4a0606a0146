"""The analysis of one call: a pure function of (audio, call record, rule set, models).

No database or network I/O happens here, so the CLI, the API's background tasks and a Celery
worker all call the same function.
"""

from __future__ import annotations

from pathlib import Path

from qa_engine.analytics import add_transcript_metrics, analyze_audio, asr_exclusions, settle_silences
from qa_engine.analytics.params import DEFAULT_PARAMS
from qa_engine.asr.model import load_model, model_label
from qa_engine.asr.transcribe import AsrSegment, domain_hotwords, to_utterances, transcribe
from qa_engine.audio import content_hash, decode_audio, split_roles
from qa_engine.callrecord import CallRecord, load_call_record, local_start
from qa_engine.callstatus import CallStatus, conversation_status, scorable, without_conversation
from qa_engine.config import Settings
from qa_engine.evidence import narrow_evidence
from qa_engine.rules import CallContext, RuleSet, evaluate, load_ruleset, score_call
from qa_engine.turns import build_turns
from qa_engine.types import CallAnalysis, CallMetrics, Finding, RoleAudio, Score, Span, Utterance
from qa_engine.verify import call_verifier


def analyze_call(path: Path | str, settings: Settings, *, model=None, ruleset: RuleSet | None = None,
                 diarization_pipeline=None, record: CallRecord | None = None) -> CallAnalysis:
    """Decode, measure, transcribe, attribute speakers, check every rule and score one recording.

    ``record`` is the call record when it comes from elsewhere than the sidecar (a PBX's CDR)."""
    path = Path(path)
    record = record or load_call_record(path, settings)
    audio = decode_audio(path, settings)
    roles = split_roles(audio, record.agent_channel, path)
    if roles.mono is not None and record.agent_channel != "mono":
        # A one-channel file is a mono call whatever channel the record names (often a default):
        # the rules that depend on it (talk.no_interrupt) must judge it as one.
        record = record.model_copy(update={"agent_channel": "mono"})
    model = model if model is not None else load_model(settings)
    ruleset = ruleset or load_ruleset(settings.rules_dir)
    hotwords = asr_hotwords(ruleset, settings)
    if roles.mono is None:
        fragments, metrics = _stereo(roles, record, settings, model, hotwords)
    else:
        fragments, metrics = _mono(roles, record, settings, model, hotwords, diarization_pipeline)
    transcript = build_turns(fragments, settings.turn_options())
    metrics = add_transcript_metrics(metrics, transcript)
    metrics.holds, metrics.dead_air = settle_silences(metrics.holds, metrics.dead_air, _asks_to_wait(transcript, ruleset),
                                                      DEFAULT_PARAMS)
    metrics.truncated, metrics.declared_duration_s = audio.truncated, audio.declared_duration_s
    ctx = CallContext(transcript=transcript, metrics=metrics, record=record,
                      local_start=local_start(record, settings.timezone), verifier=call_verifier(model, roles, settings))
    findings, score, status = _judge(ruleset, ctx, settings)
    return CallAnalysis(
        call_id=record.call_id, source_path=str(path), content_hash=content_hash(path),
        duration_s=audio.duration_s, started_at=record.started_at, call_record=record.contract(),
        transcript=transcript, metrics=metrics, findings=findings, score=score,
        asr_model=model_label(settings), scoring=status.scoring, scoring_reason=status.reason,
    )


def _asks_to_wait(transcript: list[Utterance], ruleset: RuleSet) -> list[tuple[Span, bool]]:
    """The agent's turns, each with whether it asks the customer to wait (the rule set's hold lists)."""
    return [(Span(start=u.start, end=u.end), ruleset.asks_to_wait(u.text)) for u in transcript if u.speaker == "agent"]


def _judge(ruleset: RuleSet, ctx: CallContext, settings: Settings) -> tuple[list[Finding], Score, CallStatus]:
    """Every rule's finding, the score, and whether the call is scored at all (qa_engine/callstatus.py)."""
    lang = settings.language
    findings = evaluate(ruleset, ctx, lang=lang)
    status = conversation_status(ctx.transcript, ctx.metrics, lang)
    if status.scoring != "scored":
        findings = without_conversation(findings, status, ctx.metrics, ctx.record.direction, lang)
    else:
        status = scorable(findings, settings.min_scorable_weight_share, lang)
        findings = narrow_evidence(findings, ctx.transcript)
    score = score_call(ruleset, findings)
    if status.scoring != "scored":
        score = score.model_copy(update={"total": None})
    return findings, score, status


def asr_hotwords(ruleset: RuleSet, settings: Settings) -> str | None:
    """The rule set's hotword phrases for the ASR (None when ``QA_ASR_HOTWORDS`` is off)."""
    return domain_hotwords(ruleset.hotword_lists()) if settings.asr_hotwords else None


def mono_transcription(roles: RoleAudio, record: CallRecord, settings: Settings, model,
                       hotwords: str | None) -> tuple[list[AsrSegment], list[Span]]:
    """Whisper on a mono recording, and the spans left out of it: a first analytics pass finds
    ringback, busy tone and hold music, so no text is transcribed from them."""
    exclude = asr_exclusions(analyze_audio(roles, record, settings, speech={"agent": [], "customer": []}))
    return transcribe(model, roles.mono, settings=settings, exclude=exclude, hotwords=hotwords), exclude


def _stereo(roles: RoleAudio, record: CallRecord, settings: Settings, model, hotwords) -> tuple[list[Utterance], CallMetrics]:
    metrics = analyze_audio(roles, record, settings)
    # Exclusions per channel: the customer's words over the agent's hold music are kept. The
    # analytics' speech (Silero plus the telephone rescue, tones and music removed) is what the
    # ASR decodes: a second Silero pass would cost ~0.004 RTF and its wider pads gave no better
    # transcripts (demo calls: 13.8 % CER with these spans, 14.4 % with the ASR's own VAD).
    per_role = [
        to_utterances(transcribe(model, signal, settings=settings, exclude=asr_exclusions(metrics, speaker),
                                 hotwords=hotwords, speech=metrics.speech[speaker]), speaker)
        for speaker, signal in (("agent", roles.agent), ("customer", roles.customer))
    ]
    return [u for utterances in per_role for u in utterances], metrics


def _mono(roles: RoleAudio, record: CallRecord, settings: Settings, model, hotwords, pipeline) -> tuple[list[Utterance], CallMetrics]:
    # Imported here: only mono recordings need the diarization stack.
    from qa_engine.diarization import diarize_call

    segments, exclude = mono_transcription(roles, record, settings, model, hotwords)
    # The same exclusions keep ringback, busy tone and hold music out of the speaker clustering
    # (left in, a two-way clustering splits "tone" from "speech" instead of agent from customer).
    mono = diarize_call(roles.mono, segments, record, settings, pipeline=pipeline, exclude=exclude)
    metrics = analyze_audio(roles, record, settings, speech=mono.speech)
    metrics.diarization = mono.info
    return mono.utterances, metrics
