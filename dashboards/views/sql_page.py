"""SQL 查询 for analysts: one read-only SELECT on the published serving copy, through the project's
sandbox :mod:`pipelines.sql_readonly` (the same guards as ``python -m pipelines sql``: DuckDB's own
parser allows a single query only; the file is opened read-only with external access disabled and
the configuration locked, so file access, extensions, ATTACH and writes are refused; a row cap and
a time limit). Also a schema browser, example queries per mart and downloadable results.

Only analysts see this page when login is on (``"analyst_only": True``); the body checks again.
"""

PAGE = {"order": 95, "title": "nav.sql", "icon": ":material/terminal:", "url_path": "sql", "analyst_only": True}

import logging  # noqa: E402

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboards import auth, catalog, data, frame  # noqa: E402
from dashboards.i18n import t  # noqa: E402
from pipelines import sql_readonly  # noqa: E402

log = logging.getLogger("dashboards")
MAX_ROWS = 5_000
TIMEOUT_S = 20.0
EDITOR_KEY = "sql_text"
DEFAULT_SQL = "SELECT metric_id, name_zh, name_en, target, model FROM marts.dim_metric ORDER BY metric_id"


def run(snap: data.Snapshot, sql: str) -> tuple[pd.DataFrame | None, str | None, bool]:
    """Run ``sql`` in the sandbox: (result frame or None, message for the user or None, truncated).

    Refusals, time-outs and SQL errors become messages naming the reason; nothing raises.
    """
    try:
        result = sql_readonly.run_query(snap.path, sql, max_rows=MAX_ROWS, timeout_s=TIMEOUT_S)
    except sql_readonly.QueryRefused as exc:
        return None, t("sql.refused", reason=str(exc)), False
    except sql_readonly.QueryTimeout as exc:
        return None, t("sql.timeout", reason=str(exc)), False
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, t("sql.error", reason=first), False
    df = pd.DataFrame.from_records(result.rows, columns=result.columns)
    return df, None, result.truncated


def render_examples(snap: data.Snapshot) -> None:
    """Example query per published mart; "load" puts it into the editor."""
    present = {name.split(".", 1)[1] for name in data.tables(snap)}
    examples = {k: v for k, v in catalog.EXAMPLE_QUERIES.items() if k in present}
    if not examples:
        return
    with st.expander(t("sql.examples"), expanded=False):
        pick = st.selectbox(t("sql.example_pick"), list(examples), key="sql_example")
        st.code(examples[pick], language="sql")
        if st.button(t("sql.example_load"), key="sql_example_load"):
            st.session_state[EDITOR_KEY] = examples[pick]
            st.rerun()


def render_schema(snap: data.Snapshot) -> None:
    """Tables of the serving copy with their columns and types (downloadable)."""
    cat = data.schema_catalog(snap)
    with st.expander(t("sql.schema"), expanded=False):
        for (schema, table), cols in cat.groupby(["table_schema", "table_name"], sort=True):
            st.markdown(f"`{schema}.{table}`: " + ", ".join(f"{c} *{ty.lower()}*" for c, ty in
                                                            zip(cols["column_name"], cols["data_type"])))
        frame.downloads(frame.localize(cat), f"schema_v{snap.version}", key="dl_schema")


def render(ctx: frame.PageContext) -> None:
    """Editor, run button, result with downloads, example queries and schema browser."""
    if not auth.can_use_sql():
        st.warning(t("sql.forbidden"))
        return
    snap = ctx.snapshot
    st.caption(t("sql.intro", rows=MAX_ROWS, seconds=TIMEOUT_S))
    render_examples(snap)
    if EDITOR_KEY not in st.session_state:
        st.session_state[EDITOR_KEY] = DEFAULT_SQL
    sql = st.text_area(t("sql.editor"), key=EDITOR_KEY, height=160)
    if st.button(t("sql.run"), key="sql_run", type="primary", icon=":material/play_arrow:"):
        df, message, truncated = run(snap, sql or "")
        st.session_state["sql_result"] = (snap.version, sql, df, message, truncated)
    stored = st.session_state.get("sql_result")
    if stored and stored[0] == snap.version:
        _, ran_sql, df, message, truncated = stored
        if message:
            st.error(message)
        elif df is not None:
            st.caption(t("sql.result", rows=len(df)))
            if truncated:
                st.warning(t("sql.truncated", rows=MAX_ROWS))
            st.dataframe(df, hide_index=True, key="sql_result_table")
            frame.downloads(df, f"query_v{snap.version}", key="dl_sql")
    render_schema(snap)


frame.run_page("nav.sql", render)
