"""Streamlit entry point: ``streamlit run dashboards/app.py`` (城市安全数据看板 City Safety Dashboard).

Sets up the page, the sidebar language switch (query parameter ``lang``) and the navigation built
from ``dashboards/views/*.py`` (see :mod:`dashboards.registry`), then runs the selected page.
With ``CSW_AUTH_FILE`` set, only a login page is offered until the user logs in
(:mod:`dashboards.auth`); the SQL page is offered to analysts only. Reads only the published serving copy under
``$CSW_WAREHOUSE_DIR`` (default ``./warehouse``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from dashboards import auth, i18n, registry  # noqa: E402
from dashboards.i18n import t  # noqa: E402

log = logging.getLogger("dashboards")


def main() -> None:
    """Configure the page, render the language switch and run the selected page."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    st.set_page_config(page_title=i18n.STRINGS["zh"]["app.title"], page_icon=":material/monitoring:",
                       layout="wide")
    try:
        lang = i18n.language_switch()
        st.sidebar.caption(f"{t('app.title', lang)} · {t('app.subtitle', lang)}")
        if auth.auth_enabled() and auth.session_user() is None:
            login = st.Page(auth.login_form, title=t("nav.login", lang), icon=":material/login:",
                            url_path="login", default=True)
            st.navigation([login], position="hidden").run()
            return
        auth.sidebar_user()
        metas = [m for m in registry.discover() if auth.can_use_sql() or not m.analyst_only]
        pages = [
            st.Page(m.path, title=t(m.title_key, lang), icon=m.icon, url_path=m.url_path, default=(i == 0))
            for i, m in enumerate(metas)
        ]
        st.navigation(pages).run()
    except Exception:  # noqa: BLE001 - never show a traceback; pages guard their own bodies
        ref = "ERR-app"
        log.exception("dashboard shell failed [%s]", ref)
        st.error(t("state.error", ref=ref))


main()
