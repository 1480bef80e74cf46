"""Streamlit pages and the rendering helpers they use.

`app.py` routes to the page functions here. Only the page modules import streamlit; `form.py` holds plain
functions shared with `present/spreadsheet.py`. Which cells a finding points at (`present/highlight.py`) and
where it is on a PDF page (`present/locate.py`) live one level up, shared with the exported documents.
"""
