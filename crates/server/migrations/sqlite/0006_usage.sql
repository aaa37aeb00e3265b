-- The viewer's usage reports, kept only as daily counters: one row per day, dimension (browser,
-- language, failure, …) and value, holding how many reports named that value that day. Nothing
-- per report is stored: no address, no message, no client address, no time finer than the day.
CREATE TABLE usage_daily (
    day       BIGINT NOT NULL,
    dimension TEXT NOT NULL,
    value     TEXT NOT NULL,
    count     BIGINT NOT NULL,
    PRIMARY KEY (day, dimension, value)
);
