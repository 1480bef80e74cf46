"""Streamlit pages and the rendering helpers they use.

`app.py` routes to the page functions here. Only the page modules import streamlit; `form.py`,
`highlight.py` and `passage.py` are plain functions shared with `present/spreadsheet.py`.
"""
