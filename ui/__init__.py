"""Shared Streamlit helpers. Streamlit is imported only here, in pages/ and by the entry
point app.py (through ui.navigation); the engine, cvlab, never imports it."""
