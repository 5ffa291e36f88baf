"""Shared Streamlit helpers: with app.py and pages/, the only code that imports streamlit."""
