"""The dbt project handle and its manifest (dbt/target/manifest.json).

The Dagster code location cannot load without a manifest, and a fresh clone has none
(FAILURE_CLASSES.md #4, dagster#16855). :func:`ensure_manifest` runs ``dbt parse`` as a subprocess when the
manifest is missing (or when asked to refresh it, as ``python -m pipelines refresh`` does); ``dagster dev``
re-parses through ``DbtProject.prepare_if_dev``. ``dbt parse`` does not open the DuckDB file.
"""

from __future__ import annotations

import hashlib
import json
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


def project_files(project_dir: Path) -> list[Path]:
    """Every file of the dbt project that defines a build (models, macros, seeds, tests, snapshots, analyses,
    dbt_project.yml, profiles.yml, packages), sorted; not ``target/``, ``logs/`` or ``dbt_packages/``."""
    root = Path(project_dir)
    skip = {"target", "logs", "dbt_packages"}
    return sorted(p for p in root.rglob("*") if p.is_file() and not skip & set(p.relative_to(root).parts[:1]))


def project_files_hash(project_dir: Path) -> str:
    """sha256 hex over the relative path and content of every :func:`project_files` file."""
    digest = hashlib.sha256()
    for path in project_files(project_dir):
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than a file of the dbt project (:func:`project_files`)."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(path.stat().st_mtime > built for path in project_files(project.project_dir))


def ensure_manifest(
    project: DbtProject,
    *,
    refresh: bool = False,
    warehouse_root: Path | None = None,
    dbt_vars: dict[str, str] | None = None,
) -> Path:
    """Make sure a manifest exists and return its path.

    Without ``dbt_vars``: ``project.manifest_path``, parsed when missing, or when ``refresh`` is True and
    the manifest is older than the dbt code (:func:`manifest_is_stale`). With ``dbt_vars`` (an ``as_of``
    run): always parsed with ``--vars`` into ``<warehouse>/tmp/dbt_parse_vars``, because a model may
    ``ref()`` differently under the vars and Dagster must order the run by the DAG dbt will execute.

    Raises:
        DbtManifestError: dbt parse failed (its output is in the message).
    """
    target_path = project.target_path
    manifest = project.manifest_path
    if dbt_vars:
        root = warehouse_root if warehouse_root is not None else settings.warehouse_dir()
        target_path = Warehouse(Path(root)).tmp_dir / "dbt_parse_vars"
        manifest = target_path / "manifest.json"
        manifest.unlink(missing_ok=True)
    elif manifest.exists() and not (refresh and manifest_is_stale(project)):
        return manifest
    cmd = [
        dbt_executable(), "parse", "--quiet",
        "--project-dir", str(project.project_dir),
        "--profiles-dir", str(project.profiles_dir),
        "--target-path", str(target_path),
    ]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    proc = subprocess.run(
        cmd, cwd=project.project_dir, env=parse_env(warehouse_root), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not manifest.exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise DbtManifestError(f"`dbt parse` failed in {project.project_dir} (exit {proc.returncode}):\n{tail}")
    return manifest
