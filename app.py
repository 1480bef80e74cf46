"""政府信息公开工作年度报告审核 — the Streamlit app: `streamlit run app.py`.

A router only: the pages are functions in auditor/present/ui/, the sidebar is shared by all pages.
"""

import streamlit as st

from auditor.present.ui.audit import audit_page
from auditor.present.ui.sidebar import settings_sidebar
from auditor.present.ui.triage import triage_page

st.set_page_config(page_title="年报审核", page_icon="📋", layout="wide")
page = st.navigation([st.Page(audit_page, title="审核报告", icon="📋", url_path="audit", default=True),
                      st.Page(triage_page, title="批量审核与分诊", icon="🗂️", url_path="triage")])
settings_sidebar()
page.run()
