"""Minimal Streamlit page for the ferry sample image.

Shows non-secret deployment facts and, for each name in FERRY_SECRET_NAMES,
only whether that secret is present. Secret values are never rendered.
"""

import os

import streamlit as st

from status import app_info, secret_status

info = app_info(os.environ)

st.set_page_config(page_title=info["App"], page_icon="⛴️")
st.title(info["App"])

for label, value in info.items():
    st.write(f"**{label}:** `{value}`")

st.subheader("Secrets")
statuses = secret_status(os.environ.get("FERRY_SECRET_NAMES", ""), os.environ)
if not statuses:
    st.info("No secrets configured (set FERRY_SECRET_NAMES to a comma-separated list of names).")
for name, present in statuses:
    if present:
        st.success(f"{name}: present")
    else:
        st.error(f"{name}: missing")
