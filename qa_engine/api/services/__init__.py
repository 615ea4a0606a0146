"""Business functions of the service: the API routes and the embedded dashboard both call these.

Each function takes an open ``Session`` and keyword-only arguments, and returns plain data or rows;
none of them commit (the caller's ``session_scope`` or request dependency does).
"""
