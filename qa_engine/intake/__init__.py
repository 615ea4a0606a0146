"""Intake from real phone systems: CDR adapters (Asterisk, FreeSWITCH, mapped CSV) and the folder watcher.

Every adapter turns its PBX's call detail records into ``cdr.CdrCall`` rows; ``cdr.CdrTable`` matches
recordings to rows by the call's unique id in the file name and builds the same ``CallRecord`` the
sidecar parser produces. See docs/PBX.md.
"""
