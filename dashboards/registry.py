"""Page discovery: every ``dashboards/pages/*.py`` that declares a ``PAGE`` literal is a page.

Adding a page is one file: ``dashboards/pages/<name>_page.py`` starting with

    PAGE = {"order": 20, "title": "nav.<name>", "icon": ":material/...:", "url_path": "<name>"}

(``title`` is an i18n key, ``order`` sorts the navigation, the lowest order is the default page), and
ending with ``frame.run_page("nav.<name>", render)``. The declaration is read with :mod:`ast`, so
discovery never executes a page.

The ``url_path`` must differ from the page name Streamlit derives from the file name: because the
folder is called ``pages/``, Streamlit runs the first script run of a process (and every AppTest
run) in its legacy "pages directory" mode, where a URL equal to a file's page name would run that
page file alone, without the app shell. With distinct names such a URL falls back to the shell.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from streamlit.source_util import page_icon_and_name

PAGES_DIR = Path(__file__).resolve().parent / "pages"
_REQUIRED = ("order", "title", "url_path")


class PageDeclarationError(ValueError):
    """A page file has no valid ``PAGE = {...}`` literal (message names file, line and reason)."""


@dataclass(frozen=True)
class PageMeta:
    """A discovered page: ``path`` (absolute), ``order`` (int), ``title_key`` (i18n key),
    ``icon`` (Streamlit icon string or None), ``url_path`` (URL segment)."""

    path: Path
    order: int
    title_key: str
    icon: str | None
    url_path: str


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
            _, legacy_name = page_icon_and_name(path)
            if url_path.lower() == legacy_name.lower():
                raise PageDeclarationError(
                    f"{path}:{node.lineno}: url_path {url_path!r} equals the file's page name; "
                    "name the file <url_path>_page.py (see dashboards/registry.py)")
            return PageMeta(path, int(decl["order"]), str(decl["title"]), decl.get("icon"), url_path)
    raise PageDeclarationError(f"{path}:1: no module-level PAGE = {{...}} declaration")


def discover(pages_dir: Path = PAGES_DIR) -> list[PageMeta]:
    """All pages in ``pages_dir`` (files not starting with ``_``), sorted by (order, url_path)."""
    metas = [read_declaration(p) for p in sorted(pages_dir.glob("*.py")) if not p.name.startswith("_")]
    urls = [m.url_path for m in metas]
    dupes = sorted({u for u in urls if urls.count(u) > 1})
    if dupes:
        raise PageDeclarationError(f"{pages_dir}: duplicate url_path {', '.join(dupes)}")
    return sorted(metas, key=lambda m: (m.order, m.url_path))
