import { parse, stringify } from 'yaml';

/**
 * The production alert rules (compose/alert-rules.yml) are written for a 15 s scrape: their
 * `for:` durations count evaluations at that interval. gauntlet's own Prometheus scrapes every
 * second so that alerts fire within a short run. Rather than a second set of rules, it evaluates
 * the same file with every `for:` (and `keep_firing_for:`) multiplied by the ratio of the two
 * intervals (1/15): the same number of evaluations in a row has to see the condition. Expressions
 * are kept as they are: their range windows (`rate(...[2m])`) hold more samples at 1 s, not fewer.
 */
export interface TimeScaleOptions {
  /** Production scrape interval over this Prometheus's, e.g. 15 for 15 s against 1 s. */
  factor: number;
  /** Rule groups that cannot apply here (gauntlet's topologies run no backup job). */
  dropGroups?: readonly string[];
}

interface RuleGroup {
  name: string;
  rules: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus duration ("1m", "1h30m", "500ms") in milliseconds. */
export function parsePrometheusDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a Prometheus duration: ${text}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

/** Milliseconds as a Prometheus duration in whole seconds, never below 1 s (one evaluation). */
function secondsDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

export function timeScaledRules(source: string, options: TimeScaleOptions): string {
  const file = parse(source) as { groups: RuleGroup[] };
  const groups = file.groups
    .filter((g) => !(options.dropGroups ?? []).includes(g.name))
    .map((g) => ({
      ...g,
      rules: g.rules.map((rule) => {
        const scaled = { ...rule };
        for (const key of ['for', 'keep_firing_for'] as const) {
          const value = rule[key];
          if (typeof value === 'string') scaled[key] = secondsDuration(parsePrometheusDuration(value) / options.factor);
        }
        return scaled;
      }),
    }));
  return stringify({ ...file, groups });
}

/** A Prometheus configuration's global scrape interval (its default when none is set: 1m). */
export function globalScrapeIntervalMs(prometheusConfig: string): number {
  const config = parse(prometheusConfig) as { global?: { scrape_interval?: string } } | null;
  return parsePrometheusDuration(config?.global?.scrape_interval ?? '1m');
}
