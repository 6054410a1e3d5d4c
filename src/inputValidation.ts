import { z } from 'zod';
import ms from 'ms';

/** "30s", "2m", "1h" (the ms package) to milliseconds; undefined when it is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const n = (ms as (s: string) => number | undefined)(text);
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** A duration field of a user file: a positive number of milliseconds, or a string such as "30s". */
export const durationSchema = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const parsed = parseDurationMs(v);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s", "2m" or a number of milliseconds, got "${v}"` });
    return z.NEVER;
  }
  return parsed;
});

/** The first problem of a failed validation as "field.path[0].name: what was expected". */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
  return `${path}: ${issue.message}`;
}
