"""Full-text search over transcripts: an index of character bigrams, kept in step with the utterances.

Chinese is written without spaces, so words cannot be split reliably; instead every pair of adjacent
letters or digits is a token (您好请问 → 您好 好请 请问) and a search for ``退款申请`` is the phrase
``退款 款申 申请``: tokens at consecutive positions, i.e. exactly the substring. Text is normalised
first (NFKC, lower case, only letters and digits kept), so full-width forms, case, spaces and
punctuation never decide a match. Any query of two or more characters works, which a trigram index
(``pg_trgm``, FTS5 ``trigram``) cannot do for the many two-character Chinese words (投诉, 退款).

Where the index lives depends on the database:

* SQLite: an FTS5 table ``transcript_search``, one row per call (rowid = ``calls.id``), utterances
  separated by a token no query can produce, so a phrase never spans two utterances.
* PostgreSQL: a table ``transcript_search`` of ``tsvector`` columns, one row per utterance (a
  ``tsvector`` keeps at most 256 positions per lexeme, too few for a whole call), GIN indexed. The
  vectors are written as ``tsvector`` literals, so no text-search parser or locale is involved.

Personal numbers: an utterance holding one (``qa_engine.pii``) is indexed twice, as said (``raw``)
and as roles without ``policy.PII_READ`` see it (``redacted``); all others once (``clean``). Such roles
search ``clean`` and ``redacted`` only, so a phone number's hidden digits can never be matched.

The tables themselves: ``qa_engine.storage.search_schema``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, text
from sqlmodel import Session

from qa_engine import pii
from qa_engine.storage.models import UtteranceRow
from qa_engine.storage.search_schema import TABLE

MIN_CHARS, MAX_CHARS = 2, 50
MAX_INPUT = 200  # characters as typed, spaces and punctuation included
# Between two utterances of a call's FTS5 row: a token of four letters, never one of a query's bigrams.
_BREAK = "brkx"


class SearchQueryError(ValueError):
    """A search text that cannot be searched (too short or too long); the message says which."""


@dataclass(frozen=True)
class Normalised:
    """``chars``: the letters and digits of a text, normalised; ``at[i]``: where ``chars[i]`` came from."""

    chars: str
    at: tuple[int, ...]


def normalise(text: str) -> Normalised:
    chars, at = [], []
    for i, ch in enumerate(text or ""):
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c.isalnum():
                chars.append(c)
                at.append(i)
    return Normalised("".join(chars), tuple(at))


def bigrams(chars: str) -> list[str]:
    return [chars[i:i + 2] for i in range(len(chars) - 1)]


def parse_query(q: str) -> str:
    """The normalised search text, or ``SearchQueryError`` saying what is wrong with ``q``."""
    if len(q) > MAX_INPUT:
        raise SearchQueryError(f"q: a search takes at most {MAX_INPUT} characters; this one has {len(q)}")
    chars = normalise(q).chars
    if len(chars) < MIN_CHARS:
        raise SearchQueryError(f"q: a search needs at least {MIN_CHARS} letters or digits (spaces and punctuation "
                               f"are ignored); {q!r} has {len(chars)}")
    if len(chars) > MAX_CHARS:
        raise SearchQueryError(f"q: a search takes at most {MAX_CHARS} letters or digits; this one has {len(chars)}")
    return chars


def find_all(chars: str, query: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``query`` in ``chars``."""
    out, k = [], chars.find(query)
    while k >= 0:
        out.append(k)
        k = chars.find(query, k + 1)
    return out


# --- writing -------------------------------------------------------------------------------------
def _columns(text: str) -> dict[str, list[str] | None]:
    """An utterance's bigrams per column: ``clean``, or ``raw`` and ``redacted`` when it holds PII."""
    redacted = pii.redact(text)
    if redacted == text:
        return {"clean": bigrams(normalise(text).chars), "raw": None, "redacted": None}
    return {"clean": None, "raw": bigrams(normalise(text).chars), "redacted": bigrams(normalise(redacted).chars)}


def reindex_call(session: Session, call_pk: int, utterances: Sequence[UtteranceRow]) -> None:
    """Replace the call's index rows by those of ``utterances`` (flushed rows with ids)."""
    forget_call(session, call_pk)
    conn = session.connection()
    if _dialect(session) == "postgresql":
        rows = [dict(id=u.id, call_pk=call_pk, **{k: _tsvector(v) for k, v in _columns(u.text).items()})
                for u in utterances]
        if rows:
            conn.execute(text(f"INSERT INTO {TABLE} (utterance_id, call_pk, clean, raw, redacted) VALUES "
                              "(:id, :call_pk, CAST(:clean AS tsvector), CAST(:raw AS tsvector), "
                              "CAST(:redacted AS tsvector))"), rows)
        return
    conn.execute(text(f"INSERT INTO {TABLE} (rowid, clean, raw, redacted) VALUES (:pk, :clean, :raw, :redacted)"),
                 dict(pk=call_pk, **_fts_row(u.text for u in utterances)))


def forget_call(session: Session, call_pk: int) -> None:
    """Drop the call from the index (its transcript is gone or about to be replaced)."""
    key = "call_pk" if _dialect(session) == "postgresql" else "rowid"
    session.connection().execute(text(f"DELETE FROM {TABLE} WHERE {key} = :pk"), {"pk": call_pk})


def _fts_row(texts: Iterable[str]) -> dict[str, str]:
    parts: dict[str, list[str]] = {"clean": [], "raw": [], "redacted": []}
    for t in texts:
        for column, grams in _columns(t).items():
            if grams:
                parts[column].append(" ".join(grams))
    return {column: f" {_BREAK} ".join(p) for column, p in parts.items()}


def _tsvector(grams: list[str] | None) -> str | None:
    # Letters and digits only: no quote or backslash can reach the literal. Positions count from 1.
    return None if grams is None else " ".join(f"'{g}':{i}" for i, g in enumerate(grams, 1))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# --- reading -------------------------------------------------------------------------------------
def matching_calls(session: Session, query: str, *, pii_read: bool):
    """A subquery of the ids of calls whose transcript contains ``query`` (normalised, ``parse_query``),
    for ``Call.id.in_(...)``. ``pii_read`` False: matched as roles without PII_READ see the text."""
    grams = bigrams(query)
    private = "raw" if pii_read else "redacted"
    if _dialect(session) == "postgresql":
        tsquery = " <-> ".join(f"'{g}'" for g in grams)
        sql = (f"SELECT call_pk FROM {TABLE} WHERE clean @@ CAST(:tsq AS tsquery) "
               f"OR {private} @@ CAST(:tsq AS tsquery)")
        return text(sql).bindparams(bindparam("tsq", tsquery)).columns(call_pk=Integer)
    phrase = "{clean " + private + '} : "' + " ".join(grams) + '"'
    return (text(f"SELECT rowid AS call_pk FROM {TABLE} WHERE {TABLE} MATCH :phrase")
            .bindparams(bindparam("phrase", phrase)).columns(call_pk=Integer))


def rebuild(connection, batch: int = 500) -> int:
    """Index every stored transcript (the migration's backfill), ``batch`` calls at a time so a large
    database is not read into memory at once; returns the number of calls indexed."""
    call_pks = list(connection.execute(text("SELECT DISTINCT call_pk FROM utterances ORDER BY call_pk")).scalars())
    with Session(bind=connection) as session:
        for lo in range(0, len(call_pks), batch):
            rows = connection.execute(text("SELECT id, call_pk, text FROM utterances WHERE call_pk IN :pks "
                                           "ORDER BY call_pk, idx").bindparams(bindparam("pks", expanding=True)),
                                      {"pks": call_pks[lo:lo + batch]}).all()
            by_call: dict[int, list] = {}
            for row in rows:
                by_call.setdefault(row.call_pk, []).append(row)
            for call_pk, utterances in by_call.items():
                reindex_call(session, call_pk, utterances)
    return len(call_pks)
