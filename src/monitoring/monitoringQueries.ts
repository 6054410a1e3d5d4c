/**
 * What gauntlet's run-time Prometheus is asked, in one place so the report can say it: the
 * scrape and evaluation interval, and the query that lists the alerts that fired during a run
 * (a range query over the run, one step per evaluation).
 */
export const monitoringScrapeIntervalS = 1;
export const firedAlertsQuery = 'ALERTS{alertstate="firing"}';
