"""Page discovery: every ``dashboards/views/*.py`` that declares a ``PAGE`` literal is a page.

Adding a page is one file: ``dashboards/views/<name>_page.py`` starting with

    PAGE = {"order": 20, "title": "nav.<name>", "icon": ":material/...:", "url_path": "<name>"}

(``title`` is an i18n key, ``order`` sorts the navigation, the lowest order is the default page;
optional ``"analyst_only": True`` hides the page from roles other than analyst when login is on), and
ending with ``frame.run_page("nav.<name>", render)``. The declaration is read with :mod:`ast`, so
discovery never executes a page.

The folder is deliberately NOT called ``pages/``: with a ``pages/`` folder next to app.py Streamlit
runs the first script run of every server process in its legacy "pages directory" mode, so the
first visitor of a deep link (``/gas``) after a restart got a "Page not found" dialog and the
overview. With ``views/`` the app is always in ``st.navigation`` mode.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "views"
_REQUIRED = ("order", "title", "url_path")


class PageDeclarationError(ValueError):
    """A page file has no valid ``PAGE = {...}`` literal (message names file, line and reason)."""


@dataclass(frozen=True)
class PageMeta:
    """A discovered page: ``path`` (absolute), ``order`` (int), ``title_key`` (i18n key),
    ``icon`` (Streamlit icon string or None), ``url_path`` (URL segment), ``analyst_only``."""

    path: Path
    order: int
    title_key: str
    icon: str | None
    url_path: str
    analyst_only: bool = False


def read_declaration(path: Path) -> PageMeta:
    """Parse ``PAGE = {...}`` from ``path`` without running it.

    Raises :class:`PageDeclarationError` when it is missing, not a literal dict, or lacks
    ``order``/``title``/``url_path``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PAGE" for t in node.targets
        ):
            try:
                decl = ast.literal_eval(node.value)
            except ValueError as exc:
                raise PageDeclarationError(f"{path}:{node.lineno}: PAGE must be a literal dict") from exc
            if not isinstance(decl, dict):
                raise PageDeclarationError(f"{path}:{node.lineno}: PAGE must be a dict")
            missing = [k for k in _REQUIRED if k not in decl]
            if missing:
                raise PageDeclarationError(f"{path}:{node.lineno}: PAGE lacks {', '.join(missing)}")
            url_path = str(decl["url_path"])
            return PageMeta(path, int(decl["order"]), str(decl["title"]), decl.get("icon"), url_path,
                            bool(decl.get("analyst_only", False)))
    raise PageDeclarationError(f"{path}:1: no module-level PAGE = {{...}} declaration")


def discover(pages_dir: Path = PAGES_DIR) -> list[PageMeta]:
    """All pages in ``pages_dir`` (files not starting with ``_``), sorted by (order, url_path)."""
    metas = [read_declaration(p) for p in sorted(pages_dir.glob("*.py")) if not p.name.startswith("_")]
    urls = [m.url_path for m in metas]
    dupes = sorted({u for u in urls if urls.count(u) > 1})
    if dupes:
        raise PageDeclarationError(f"{pages_dir}: duplicate url_path {', '.join(dupes)}")
    return sorted(metas, key=lambda m: (m.order, m.url_path))
