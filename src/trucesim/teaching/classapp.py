"""The classroom in class mode (``trucesim classroom --class``): the student page at the
server's root and the lecturer's view at /lecturer, one Streamlit app, so both share the
store of runs and the board of predictions (imported by module name, one cache each)."""

from __future__ import annotations

import streamlit as st

from trucesim.teaching import classroom, lecturer

st.navigation([st.Page(classroom.main, title="Classroom", url_path="classroom", default=True),
               st.Page(lecturer.page, title="Lecturer", url_path="lecturer")],
              position="hidden").run()
