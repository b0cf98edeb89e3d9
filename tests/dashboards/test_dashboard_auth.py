"""Login and roles (issue 8) through the real app with AppTest: CSW_AUTH_FILE names a YAML of users
with bcrypt hashes; a street office sees its own street only (enforced in dashboards/data.py),
analysts get the SQL page, a broken users file denies access."""

from __future__ import annotations

import pytest
import yaml
from serving_fixture import SOURCE, STREETS, expected_rate

from dashboards import auth

PASSWORD = "正确的密码-1"
OWN = STREETS[1]


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    hashed = auth.hash_password(PASSWORD, rounds=4)
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump({"users": [
        {"username": "lingdao", "name": "区局领导", "role": "leadership", "password_hash": hashed},
        {"username": "jiedao", "name": "海滨街道办", "role": "street", "street": OWN, "password_hash": hashed},
        {"username": "fenxi", "name": "分析员", "role": "analyst", "password_hash": hashed},
    ]}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CSW_AUTH_FILE", str(path))
    return path


def login(at, username: str, password: str = PASSWORD):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at


def clean(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def f1_tile(at) -> str:
    return next(m.value for m in at.metric if m.label.endswith(" F1"))


def test_login_required_and_wrong_password_refused(serving, users_file, make_app):
    at = make_app().run()
    clean(at)
    assert at.title[0].value == "请登录" and not at.metric
    login(at, "jiedao", "wrong")
    clean(at)
    assert any("用户名或密码错误" in w.value for w in at.warning) and not at.metric
    login(at, "nobody")
    assert any("用户名或密码错误" in w.value for w in at.warning) and not at.metric


def test_street_office_sees_only_its_street(serving, users_file, make_app):
    at = login(make_app(range=["2025-03-02", "2025-03-31"], street=[STREETS[0]]).run(), "jiedao")
    clean(at)
    assert at.title[0].value == "总览"
    expected = expected_rate(serving.db_path, "SELECT sum(faults_disposed_on_time) / sum(faults_due) "
                                              "FROM marts.fct_fault_disposal_daily WHERE source_system = ? "
                                              "AND street = ? AND date_local BETWEEN '2025-03-02' AND '2025-03-31'",
                             [SOURCE, OWN])
    assert f1_tile(at) == f"{expected * 100:.1f} %"  # the ?street= of another street is ignored
    assert not at.multiselect  # no street picker; a caption names the street
    assert any(OWN in c.value for c in at.sidebar.caption)
    at.selectbox(key="overview_m").set_value("F1").run()
    events = at.dataframe[0].value
    assert len(events) > 0 and set(events["街道"]) == {OWN}
    at.switch_page("views/complaints_page.py").run()
    clean(at)
    assert at.dataframe and set(at.dataframe[0].value["街道"]) == {OWN}
    at.switch_page("views/quality_page.py").run()
    clean(at)
    assert any("没有被拒绝的行" in i.value for i in at.info)  # raw rejected text may name other streets
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/sql_page.py")  # not in this role's navigation
    at.button(key="logout").click().run()
    assert at.title[0].value == "请登录" and not at.metric


def test_leadership_sees_all_streets_and_analyst_gets_sql(serving, users_file, make_app):
    at = login(make_app().run(), "lingdao")
    clean(at)
    assert at.multiselect(key="street").options == sorted(STREETS)
    at = login(make_app().run(), "fenxi")
    at.switch_page("views/sql_page.py").run()
    clean(at)
    assert at.title[0].value == "SQL 查询"
    at.text_area(key="sql_text").set_value("SELECT count(DISTINCT street) AS n FROM marts.dim_street")
    at.button(key="sql_run").click().run()
    clean(at)
    assert int(at.dataframe[0].value["n"].iloc[0]) == len(STREETS)


def test_broken_users_file_denies_access(serving, tmp_path, monkeypatch, make_app):
    bad = tmp_path / "bad.yaml"
    bad.write_text("users:\n  - username: x\n    role: leadership\n    password_hash: plain\n", encoding="utf-8")
    monkeypatch.setenv("CSW_AUTH_FILE", str(bad))
    at = make_app().run()
    assert not at.exception and not at.metric
    assert len(at.error) == 1 and "ERR-auth" in at.error[0].value and "Traceback" not in at.error[0].value
    assert not at.text_input
