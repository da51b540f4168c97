-- 0005_placeholder.sql — STAND-IN ONLY, on the scale-refresh branch: 0005 is
-- the offline-rules helper's gate rules, which the SQLite runner needs
-- before 0006. The integrator drops this file when merging that 0005.
SELECT 1;
