-- Bare DuckDB baseline (bench/baseline.py runs it): read the scale generator's raw files straight into
-- tables and compute the same headline numbers as the marts, with none of the product's machinery
-- (no contracts, event store, lineage, rejects, dbt, publish). `{raw_dir}` is replaced by the runner;
-- the two xlsx files are read by the runner with python-calamine (DuckDB has no built-in xlsx reader)
-- and registered as xlsx_gas_users / xlsx_gas_inspections before this script runs.
-- Times in the CSVs are naive Asia/Shanghai wall-clock (no DST), so a naive timestamp's date is the
-- local date; sensor ts carries +08:00. `{cutoff}` is the "as of" instant (naive local) for 超期未处置.
-- Each "-- @step" block is timed separately.

-- @step load_faults
CREATE OR REPLACE TABLE raw_faults AS
SELECT * FROM read_csv('{raw_dir}/demo/facility_faults*.csv', header = true, union_by_name = true,
    types = {'上报时间': 'TIMESTAMP', '处置时限': 'TIMESTAMP', '到场时间': 'TIMESTAMP', '修复时间': 'TIMESTAMP',
             '延期批准时间': 'TIMESTAMP', '延期至': 'TIMESTAMP', '取消时间': 'TIMESTAMP', '故障编号': 'VARCHAR'});

-- @step load_complaints
CREATE OR REPLACE TABLE raw_complaints AS
SELECT * FROM read_csv('{raw_dir}/demo/complaints*.csv', header = true, union_by_name = true,
    types = {'受理时间': 'TIMESTAMP', '办结时限': 'TIMESTAMP', '办结时间': 'TIMESTAMP', '回访时间': 'TIMESTAMP',
             '工单编号': 'VARCHAR', '办结方式': 'VARCHAR'});

-- @step load_gas
CREATE OR REPLACE TABLE raw_gas_users AS SELECT * FROM xlsx_gas_users;
CREATE OR REPLACE TABLE raw_gas_inspections AS SELECT * FROM xlsx_gas_inspections;

-- @step load_sensors
CREATE OR REPLACE TABLE raw_readings AS
SELECT * FROM read_csv('{raw_dir}/bench_sensors/*.csv', header = true,
    columns = {'device_id': 'VARCHAR', 'sensor_type': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'value': 'DOUBLE', 'unit': 'VARCHAR'});

-- @step metric_fault_disposal
-- METRICS.md F1 设施故障日处置率: due = 延期至 (approved extension) else 处置时限 else 上报时间 + limit.
CREATE OR REPLACE TABLE b_fault_disposal_daily AS
WITH facility(label, code, limit_hours) AS (
    VALUES ('路灯', 'streetlight', 24), ('排水设施', 'drain', 24), ('井盖', 'manhole_cover', 24),
           ('道路', 'road_segment', 24), ('绿地', 'greenery', 48), ('桥梁', 'bridge', 24)
), faults AS (
    SELECT f."所属街道" AS street, m.code AS facility_type,
           coalesce(CASE WHEN f."延期批准时间" IS NOT NULL THEN f."延期至" END, f."处置时限",
                    f."上报时间" + to_hours(m.limit_hours)) AS due_at,
           f."修复时间" AS repaired_at
    FROM raw_faults AS f JOIN facility AS m ON m.label = f."设施类型"
    WHERE f."取消时间" IS NULL
)
SELECT 'licheng' AS source_system, CAST(due_at AS DATE) AS date_local, street, facility_type,
       count(*) AS faults_due,
       count(*) FILTER (WHERE repaired_at <= due_at) AS faults_disposed_on_time,
       count(repaired_at) AS faults_disposed,
       count(*) FILTER (WHERE repaired_at IS NULL AND due_at < TIMESTAMP '{cutoff}') AS faults_overdue_open,
       faults_disposed_on_time / faults_due AS disposal_rate
FROM faults GROUP BY ALL;

-- @step metric_complaint_closure
-- METRICS.md C16 结案率 / C17 按期结案率: closes marked 重复件 / 作废 are not 结案.
CREATE OR REPLACE TABLE b_complaint_closure_daily AS
WITH channel(label, code, limit_hours) AS (
    VALUES ('12345热线', '12345', 120), ('微信', 'wechat', 72), ('微博', 'weibo', 72), ('抖音', 'douyin', 72),
           ('信访', 'petition', 1440)
), category(label, code) AS (
    VALUES ('市容环境', 'city_appearance'), ('占道经营', 'street_vending'), ('噪声扰民', 'noise'),
           ('路灯照明', 'streetlight'), ('违法建设', 'illegal_construction'), ('道路设施', 'road'),
           ('排水防涝', 'drainage'), ('燃气安全', 'gas_safety'), ('油烟污染', 'cooking_fumes'),
           ('园林绿化', 'greenery'), ('井盖设施', 'manhole_cover'), ('户外广告', 'outdoor_ads')
), complaints AS (
    SELECT ch.code AS channel, ca.code AS category, c."所属街道" AS street,
           coalesce(c."办结时限", c."受理时间" + to_hours(ch.limit_hours)) AS due_at,
           CASE WHEN coalesce(c."办结方式", '') NOT IN ('重复件', '作废') THEN c."办结时间" END AS closed_at
    FROM raw_complaints AS c
    JOIN channel AS ch ON ch.label = c."来源渠道"
    JOIN category AS ca ON ca.label = c."诉求类别"
)
SELECT 'licheng' AS source_system, CAST(due_at AS DATE) AS date_local, channel, category, street,
       count(*) AS complaints_due,
       count(closed_at) AS complaints_closed,
       count(*) FILTER (WHERE closed_at <= due_at) AS complaints_closed_on_time,
       complaints_closed / complaints_due AS closure_rate,
       complaints_closed_on_time / complaints_due AS on_time_closure_rate
FROM complaints GROUP BY ALL;

-- @step metric_gas_coverage
-- METRICS.md G1/G2 检查覆盖率, G3 报警装置安装率, G4 信息牌张贴率 per month, street and unit type; months
-- run from the first to the last gas date (registration or inspection), units counted once registered.
CREATE OR REPLACE TABLE b_gas_inspection_coverage AS
WITH users AS (
    SELECT "单位编号" AS unit_id, "所属街道" AS street,
           CASE "单位类型" WHEN '餐饮场所' THEN 'restaurant' WHEN '瓶装燃气供应站' THEN 'lpg_station' END AS subject_type,
           CAST(strptime("登记日期", '%Y-%m-%d') AS DATE) AS registered
    FROM raw_gas_users
), insp AS (
    SELECT "单位编号" AS unit_id, "检查编号" AS inspection_id,
           strptime("检查日期", '%Y-%m-%d %H:%M:%S') AS inspected_at,
           "信息牌已张贴" = '是' AS board, "报警器已安装" = '是' AND "报警器有效" = '是' AS alarm_ok
    FROM raw_gas_inspections
), bounds AS (
    SELECT date_trunc('month', min(d)) AS lo, date_trunc('month', max(d)) AS hi
    FROM (SELECT registered AS d FROM users UNION ALL SELECT CAST(inspected_at AS DATE) FROM insp)
), months AS (
    SELECT CAST(m AS DATE) AS period_month, CAST(last_day(m) AS DATE) AS month_end
    FROM bounds, generate_series(lo, hi, INTERVAL 1 MONTH) AS g(m)
), unit_months AS (
    SELECT u.*, m.period_month, m.month_end FROM users AS u JOIN months AS m ON u.registered <= m.month_end
), status AS (
    SELECT um.unit_id, um.period_month,
           bool_or(CAST(i.inspected_at AS DATE) >= um.period_month) AS inspected_in_month,
           arg_max(i.board, (i.inspected_at, i.inspection_id)) AS board,
           arg_max(i.alarm_ok, (i.inspected_at, i.inspection_id)) AS alarm_ok
    FROM unit_months AS um
    JOIN insp AS i ON i.unit_id = um.unit_id AND CAST(i.inspected_at AS DATE) <= um.month_end
    GROUP BY ALL
)
SELECT 'licheng' AS source_system, um.period_month, um.street, um.subject_type,
       count(*) AS units_registered,
       count(*) FILTER (WHERE s.inspected_in_month) AS units_inspected,
       count(*) FILTER (WHERE s.board) AS units_with_board,
       count(*) FILTER (WHERE s.alarm_ok) AS units_with_alarm,
       units_inspected / units_registered AS coverage_rate
FROM unit_months AS um
LEFT JOIN status AS s ON s.unit_id = um.unit_id AND s.period_month = um.period_month
GROUP BY ALL;

-- @step metric_sensor_daily
-- fct_sensor_readings_daily: -9999 is the devices' fault sentinel (flagged, never averaged).
CREATE OR REPLACE TABLE b_sensor_readings_daily AS
SELECT 'licheng' AS source_system, CAST(timezone('Asia/Shanghai', ts) AS DATE) AS date_local, device_id,
       sensor_type, unit,
       count(*) AS readings,
       count(*) FILTER (WHERE value = -9999) AS readings_flagged,
       avg(value) FILTER (WHERE value <> -9999) AS avg_value,
       min(value) FILTER (WHERE value <> -9999) AS min_value,
       max(value) FILTER (WHERE value <> -9999) AS max_value
FROM raw_readings GROUP BY ALL;
