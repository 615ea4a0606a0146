"""The operators rule expressions are built from, one module per family. Importing this package
registers them all in ``compiler.OPERATORS``.

    logic     all, any, not, macro
    phrase    phrase (search for phrase lists or a regex in the utterances of a scope)
    opening   greeting_time_of_day, work_number (checked against the audio where it is given)
    record    record, switch, local_time
    metrics   metric, rings
    events    no_span, for_each, event_duration, has_event
"""

from qa_engine.rules.compiler import OPERATORS, operator_docs
from qa_engine.rules.operators import events, logic, metrics, opening, phrase, record  # noqa: F401 (registers)

__all__ = ["OPERATORS", "operator_docs"]
