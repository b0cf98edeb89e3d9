"""Optional login with roles (issue 8). Off unless ``CSW_AUTH_FILE`` names a YAML file of users.

The file lives outside the repository (operators keep it next to the warehouse) and holds bcrypt
hashes only::

    users:
      - username: lingdao            # leadership: every street, every dashboard page
        name: 区局领导
        role: leadership
        password_hash: "$2b$12$..."  # python -m dashboards.auth hash  (reads the password from stdin)
      - username: lizhong            # street office: its own street only (enforced in dashboards/data.py)
        name: 鲤中街道办
        role: street
        street: 鲤中街道
        password_hash: "$2b$12$..."
      - username: fenxi              # analyst: every street and the SQL page
        role: analyst
        password_hash: "$2b$12$..."

Roles: ``leadership`` (all streets), ``street`` (one street, required key ``street``), ``analyst``
(all streets + SQL page). A broken file denies access (fail closed) with an error naming the file,
the user entry and the reason. Five wrong passwords in a session lock the form for 60 s.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import yaml

AUTH_ENV = "CSW_AUTH_FILE"
ROLES = ("leadership", "street", "analyst")
SESSION_KEY = "auth_user"
FAILS_KEY = "auth_failures"
MAX_FAILURES = 5
LOCK_SECONDS = 60
# compared against when the user name is unknown, so both cases cost one bcrypt check
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=12))

log = logging.getLogger("dashboards.auth")


class AuthConfigError(ValueError):
    """The users file is missing or invalid (message names file, entry and reason)."""


@dataclass(frozen=True)
class User:
    """A logged-in user: ``username``, display ``name``, ``role`` (one of :data:`ROLES`) and
    ``street`` (only for role ``street``)."""

    username: str
    name: str
    role: str
    street: str | None = None

    @property
    def can_use_sql(self) -> bool:
        """Analysts get the SQL page."""
        return self.role == "analyst"


@dataclass(frozen=True)
class _Entry:
    user: User
    password_hash: bytes


def auth_file() -> Path | None:
    """The users file from ``CSW_AUTH_FILE``, or None (login off)."""
    value = os.environ.get(AUTH_ENV, "").strip()
    return Path(value) if value else None


def auth_enabled() -> bool:
    """True when ``CSW_AUTH_FILE`` is set."""
    return auth_file() is not None


def load_users(path: Path) -> dict[str, _Entry]:
    """Parse and validate the users file; raises :class:`AuthConfigError` naming file, entry and
    reason (unreadable file, no ``users`` list, duplicate or missing user name, unknown role,
    street role without ``street``, a password that is not a bcrypt hash)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AuthConfigError(f"{path}: cannot read users file: {exc}") from exc
    users = (doc or {}).get("users") if isinstance(doc, dict) else None
    if not isinstance(users, list) or not users:
        raise AuthConfigError(f"{path}: expected a non-empty list under 'users'")
    out: dict[str, _Entry] = {}
    for i, raw in enumerate(users, start=1):
        where = f"{path}: users[{i}]"
        if not isinstance(raw, dict):
            raise AuthConfigError(f"{where}: expected a mapping")
        username = str(raw.get("username") or "").strip()
        if not username:
            raise AuthConfigError(f"{where}: missing username")
        where = f"{where} ({username})"
        if username in out:
            raise AuthConfigError(f"{where}: duplicate username")
        role = str(raw.get("role") or "").strip()
        if role not in ROLES:
            raise AuthConfigError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
        street = str(raw.get("street") or "").strip() or None
        if role == "street" and street is None:
            raise AuthConfigError(f"{where}: role street needs a 'street'")
        hashed = str(raw.get("password_hash") or "").strip().encode()
        if not hashed.startswith((b"$2a$", b"$2b$", b"$2y$")):
            raise AuthConfigError(f"{where}: password_hash must be a bcrypt hash (python -m dashboards.auth hash)")
        user = User(username, str(raw.get("name") or username), role, street if role == "street" else None)
        out[username] = _Entry(user, hashed)
    return out


def verify(users: dict[str, _Entry], username: str, password: str) -> User | None:
    """The user when ``password`` matches the stored bcrypt hash, else None (same cost for an
    unknown user name)."""
    entry = users.get(username.strip())
    hashed = entry.password_hash if entry else _DUMMY_HASH
    try:
        ok = bcrypt.checkpw(password.encode("utf-8"), hashed)
    except ValueError:
        ok = False
    return entry.user if entry and ok else None


def hash_password(password: str, rounds: int = 12) -> str:
    """A bcrypt hash of ``password`` for the users file."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


# ---------------------------------------------------------------------------------------------
# Session (Streamlit)
# ---------------------------------------------------------------------------------------------


def session_user() -> User | None:
    """The user logged in to this Streamlit session, if any."""
    import streamlit as st

    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, User) else None


def session_scope():
    """The data scope of this session (:class:`dashboards.data.Scope`): all streets when login is
    off or for leadership/analyst, one street for a street office, None when login is on and
    nobody is logged in (no data may be read)."""
    from dashboards.data import ALL_STREETS, Scope

    if not auth_enabled():
        return ALL_STREETS
    user = session_user()
    if user is None:
        return None
    return Scope(user.street) if user.role == "street" else ALL_STREETS


def can_use_sql() -> bool:
    """SQL page access: login off (local use) or an analyst."""
    if not auth_enabled():
        return True
    user = session_user()
    return user is not None and user.can_use_sql


def login_form() -> None:
    """Render the login form; on success store the user in the session and rerun."""
    import streamlit as st

    from dashboards.i18n import t

    st.title(t("auth.title"))
    path = auth_file()
    try:
        users = load_users(path)  # type: ignore[arg-type]
    except AuthConfigError:
        ref = "ERR-auth"
        log.exception("login configuration invalid [%s]", ref)
        st.error(t("auth.config_error", ref=ref))
        return
    fails = st.session_state.get(FAILS_KEY, (0, 0.0))
    remaining = LOCK_SECONDS - (time.monotonic() - fails[1])
    if fails[0] >= MAX_FAILURES and remaining > 0:
        st.warning(t("auth.locked", seconds=int(remaining) + 1))
        return
    with st.form("login", border=True):
        username = st.text_input(t("auth.username"), key="login_username")
        password = st.text_input(t("auth.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.submit"))
    if submitted:
        user = verify(users, username or "", password or "")
        if user is None:
            count = 0 if fails[0] >= MAX_FAILURES else fails[0]
            st.session_state[FAILS_KEY] = (count + 1, time.monotonic())
            log.warning("failed login for %r", username)
            st.warning(t("auth.failed"))
            return
        st.session_state.pop(FAILS_KEY, None)
        st.session_state[SESSION_KEY] = user
        log.info("login %s (%s%s)", user.username, user.role, f", {user.street}" if user.street else "")
        st.rerun()


def sidebar_user() -> None:
    """Who is logged in, and the logout button (sidebar)."""
    import streamlit as st

    from dashboards.i18n import t

    user = session_user()
    if user is None:
        return
    role = t(f"role.{user.role}") + (f" · {user.street}" if user.street else "")
    st.sidebar.caption(t("auth.user", name=user.name, role=role))
    if st.sidebar.button(t("auth.logout"), key="logout", icon=":material/logout:"):
        st.session_state.pop(SESSION_KEY, None)
        st.rerun()


def _main(argv: list[str]) -> int:
    """``python -m dashboards.auth hash``: print a bcrypt hash of the password read from stdin."""
    if argv[1:2] != ["hash"]:
        print("usage: python -m dashboards.auth hash < password.txt", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        print("empty password", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv))
