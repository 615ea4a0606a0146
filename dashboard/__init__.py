"""Streamlit dashboard of the QA service (embedded mode: same database, same service functions)."""
