"""The dbt project handle and its manifest (dbt/target/manifest.json).

The Dagster code location cannot load without a manifest, and a fresh clone has none
(FAILURE_CLASSES.md #4, dagster#16855). :func:`ensure_manifest` runs ``dbt parse`` as a subprocess when the
manifest is missing (or when asked to refresh it, as ``python -m pipelines refresh`` does); ``dagster dev``
re-parses through ``DbtProject.prepare_if_dev``. ``dbt parse`` does not open the DuckDB file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines import settings
from pipelines.warehouse import Warehouse

DBT_PROJECT_DIR = settings.PROJECT_ROOT / "dbt"
"""dbt project folder; ``profiles.yml`` lives there too."""


class DbtManifestError(RuntimeError):
    """``dbt parse`` failed, so the dbt assets cannot be defined."""


def dbt_executable() -> str:
    """The ``dbt`` next to the running Python (the project venv), else ``dbt`` on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_project() -> DbtProject:
    """The :class:`DbtProject` (project and profiles dir ``dbt/``, target ``dbt/target``)."""
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def parse_env(warehouse_root: Path | None = None) -> dict[str, str]:
    """Environment for ``dbt parse``: the profile needs ``CSW_BUILD_DB`` set even though parse never opens it."""
    env = dict(os.environ)
    if "CSW_BUILD_DB" not in env or warehouse_root is not None:
        root = warehouse_root if warehouse_root is not None else settings.warehouse_dir()
        env["CSW_BUILD_DB"] = str(Warehouse(Path(root)).build_db)
    env.setdefault("CSW_TIMEZONE", settings.timezone_name())
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def ensure_manifest(project: DbtProject, *, refresh: bool = False, warehouse_root: Path | None = None) -> Path:
    """Make sure ``project.manifest_path`` exists; run ``dbt parse`` when missing or ``refresh`` is True.

    Returns:
        The manifest path.
    Raises:
        DbtManifestError: dbt parse failed (its output is in the message).
    """
    manifest = project.manifest_path
    if manifest.exists() and not refresh:
        return manifest
    cmd = [
        dbt_executable(), "parse", "--quiet",
        "--project-dir", str(project.project_dir),
        "--profiles-dir", str(project.profiles_dir),
        "--target-path", str(project.target_path),
    ]
    proc = subprocess.run(
        cmd, cwd=project.project_dir, env=parse_env(warehouse_root), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not manifest.exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise DbtManifestError(f"`dbt parse` failed in {project.project_dir} (exit {proc.returncode}):\n{tail}")
    return manifest
