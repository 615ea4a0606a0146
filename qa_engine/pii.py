"""Personal data in transcripts: phone, ID-card and card numbers found and masked.

Pure functions over text. They are applied where data leaves the service layer for a user whose
role lacks ``policy.PII_READ`` (the API's call detail and list, the dashboard's call page and
coaching moments); the stored transcript is never changed.

Numbers are found however the ASR wrote them: digit by digit in Chinese (幺三八…, 一三八…) or Arabic
numerals, as numbers (一千二百…), split by spaces or punctuation across words (138 1234-5678), with
one stray homophone between numerals (一三八要二…: 要 for 幺). Reading Chinese numerals is
``qa_engine.rules.numbers``' job; this module only decides which numbers are personal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa_engine.rules import numbers

# Full-width forms as ASCII, one character for one, so spans found in the mapped text fit the original.
_ASCII = str.maketrans("０１２３４５６７８９ＸｘＶＩＰＦＫＬＭｖｉｐｆｋｌｍ", "0123456789XxVIPFKLMvipfklm")
_SEPARATORS = frozenset(" \t\u3000-‐‑–—－_,，、.．·:：/()（）")
# Over a class string (L numeral, h digit homophone, s separator, x the X of an ID card, . other):
# numerals joined by up to two separators, a homophone only between numerals, an optional final X.
_RUN = re.compile(r"L(?:s{0,2}L|h(?=L))*(?:s{0,2}x)?")

_MOBILE = re.compile(r"(?:0086|86)?(1[3-9]\d{9})")
_ID_CARD = re.compile(r"[1-9]\d{16}[\dX]")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")           # area code and local number
_LOCAL_LANDLINE = re.compile(r"[2-9]\d{6,7}")      # a local number: only after a phone word
_CARD_PREFIX = re.compile(r"(?:v\s*i\s*p|f\s*k|y\s*l\s*-?\s*m)\s*[-－]?\s*$", re.IGNORECASE)  # VIP000123, FK…, YL-M-…
_PHONE_WORDS = ("电话", "号码", "手机", "座机", "联系方式", "打", "拨")
_CARD_WORDS = ("卡号", "会员号", "卡的号", "卡是")
_MONEY_AFTER = tuple("元块角毛万")
_CONTEXT = 8  # characters before a number searched for a phone or card word

LABELS = {"id_card": "身份证号", "card": "卡号", "landline": "电话", "number": "号码"}


@dataclass(frozen=True)
class Match:
    """A personal number at ``text[start:end]``: its kind and its digits (``X`` for an ID card's check)."""

    start: int
    end: int
    kind: str  # mobile | landline | id_card | card | number
    digits: str


def find(text: str) -> list[Match]:
    """The personal numbers in ``text``, left to right."""
    plain = (text or "").translate(_ASCII)
    classes = "".join(_class(ch, c) for ch, c in zip(plain, numbers.char_classes(plain)))
    out = []
    for m in _RUN.finditer(classes):
        match = _classify(plain, classes, m.start(), m.end())
        if match is not None:
            out.append(match)
    return out


def redact(text: str) -> str:
    """``text`` with every personal number masked (138****5678, ＊＊＊［身份证号］)."""
    if not text:
        return text
    for m in reversed(find(text)):
        text = text[:m.start] + mask(m.kind, m.digits) + text[m.end:]
    return text


def mask(kind: str, digits: str) -> str:
    """How a number of ``kind`` is shown: a phone keeps its first three (or area code) and last four
    digits, so staff can still tell two callers apart; every other kind becomes a label."""
    if kind == "mobile":
        return f"{digits[-11:-8]}****{digits[-4:]}"
    if kind == "landline" and len(digits) >= 10:
        return f"{digits[:-8]}****{digits[-4:]}"
    return f"＊＊＊［{LABELS[kind]}］"


def mask_phone(number: str | None) -> str | None:
    """A caller number as a role without PII_READ sees it (13900001234 → 139****1234)."""
    if not number:
        return number
    digits = "".join(ch for ch in number.translate(_ASCII) if ch.isdecimal())
    if len(digits) < 7:
        return number  # a service number (12580) or an unknown caller is not personal
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 11 else f"****{digits[-4:]}"


def time_spans(text: str, words: Sequence[dict], start: float, end: float) -> list[tuple[float, float]]:
    """The stretches of an utterance (``start``–``end``, its ``words`` with times) where a personal
    number is spoken; the whole utterance when the words do not line up with the text."""
    found = find(text)
    if not found:
        return []
    times = _char_times(text, words)
    spans = []
    for m in found:
        covered = [times[i] for i in range(m.start, m.end) if not text[i].isspace()]
        if covered and all(covered):
            spans.append((min(t[0] for t in covered), max(t[1] for t in covered)))
        else:
            spans.append((start, end))
    return spans


def redact_call_item(item: dict) -> dict:
    """A row of the call list with its caller number masked. A new dict."""
    return dict(item, customer_number=mask_phone(item.get("customer_number")))


def redact_call_detail(detail: dict) -> dict:
    """A call detail (``services.calls.call_detail``) as a role without PII_READ sees it: transcript,
    finding messages and evidence, the caller number and the call record masked. A new dict."""
    call = redact_call_item(detail["call"])
    if isinstance(call.get("record"), dict) and "customer_number" in call["record"]:
        call["record"] = dict(call["record"], customer_number=mask_phone(call["record"]["customer_number"]))
    return detail | {
        "call": call,
        "transcript": [dict(u, text=redact(u["text"])) for u in detail["transcript"]],
        "findings": [_redact_finding(f) for f in detail["findings"]],
    }


def redact_appeal(appeal: dict) -> dict:
    """An appeal (``services.appeals.list_appeals``) as a role without PII_READ sees it: the finding's
    message, the agent's reason and the decision's comment redacted. A new dict."""
    return dict(appeal, **{k: redact(appeal[k]) for k in ("finding_message", "reason", "decision_comment")
                           if isinstance(appeal.get(k), str)})


# Audit detail keys whose values are caller numbers, and keys of values that are nobody's business
# but the people allowed to read personal data (a failed login's client address).
_NUMBER_KEYS = ("customer_number", "caller", "phone", "mobile")
_HIDDEN_KEYS = frozenset({"client"})
HIDDEN = "＊＊＊"


def redact_audit(entry: dict) -> dict:
    """An audit row (``AuditPublic`` fields) as a role without PII_READ sees it: caller numbers masked
    (``mask_phone``), every other text redacted (``redact``), anywhere in ``detail`` (upload and
    correction records nest); a failed login's user name and client address hidden. A new dict."""
    out = dict(entry, detail=_redact_value(entry.get("detail") or {}))
    if entry.get("entity") == "login":  # the name typed at a failed login may be a password or a phone
        out.update(username=HIDDEN, entity_id=HIDDEN)
    return out


def _redact_value(value, key: str = ""):
    if isinstance(value, dict):
        return {k: HIDDEN if k in _HIDDEN_KEYS else _redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v, key) for v in value]
    if isinstance(value, str):
        return mask_phone(value) if key.endswith(_NUMBER_KEYS) else redact(value)
    return value


def _redact_finding(f: dict) -> dict:
    evidence = [dict(e, text=redact(e["text"])) if isinstance(e.get("text"), str) else e for e in f.get("evidence") or []]
    return dict(f, message=redact(f.get("message") or ""), evidence=evidence)


def _class(ch: str, numeral_class: str) -> str:
    if numeral_class != ".":
        return numeral_class
    if ch in _SEPARATORS:
        return "s"
    return "x" if ch in "Xx" else "."


def _classify(plain: str, classes: str, i: int, j: int) -> Match | None:
    digits = _digits(plain, classes, i, j)
    if digits is None:
        return None
    if digits.endswith("X") and not _ID_CARD.fullmatch(digits):
        j = classes.rindex("L", i, j) + 1  # the x is a word after the number, not its check digit
        digits = digits[:-1]
    kind = _kind(digits, plain[max(0, i - _CONTEXT):i].lower(), plain[j:j + 1])
    if kind is None:
        return None
    if kind == "card":
        prefix = _CARD_PREFIX.search(plain, max(0, i - 12), i)
        i = prefix.start() if prefix else i
    return Match(i, j, kind, digits)


def _digits(plain: str, classes: str, i: int, j: int) -> str | None:
    """The run's digits: each group of numerals between separators read by ``numbers.run_digits``."""
    groups = re.findall(r"[Lh]+|x", classes[i:j])
    out, pos = [], i
    for g in groups:
        pos = classes.index(g, pos)
        value = "X" if g == "x" else numbers.run_digits(plain[pos:pos + len(g)])
        if value is None:
            return None
        out.append(value)
        pos += len(g)
    return "".join(out)


def _kind(digits: str, before: str, after: str) -> str | None:
    if _MOBILE.fullmatch(digits):
        return "mobile"
    if _ID_CARD.fullmatch(digits):
        return "id_card"
    if _CARD_PREFIX.search(before) and len(digits) >= 4:
        return "card"
    if _LANDLINE.fullmatch(digits):
        return "landline"
    if any(w in before for w in _CARD_WORDS) and len(digits) >= 4 and not after.startswith(_MONEY_AFTER):
        return "card"
    if _LOCAL_LANDLINE.fullmatch(digits) and any(w in before for w in _PHONE_WORDS):
        return "landline"
    return "number" if len(digits) >= 12 else None


def _char_times(text: str, words: Sequence[dict]) -> list[tuple[float, float] | None]:
    """Each character's word (start, end), found by walking the words along the text."""
    times: list[tuple[float, float] | None] = [None] * len(text)
    pos = 0
    for w in words:
        piece = str(w.get("text") or "").strip()
        k = text.find(piece, pos) if piece else -1
        if k < 0:
            continue
        times[k:k + len(piece)] = [(float(w["start"]), float(w["end"]))] * len(piece)
        pos = k + len(piece)
    return times
