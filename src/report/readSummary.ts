import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { firstIssue } from '../inputValidation.js';
import { summarySchema, type Summary } from './summarySchema.js';

/** Reads and validates a summary.json (ours or another tool's copy); a bad file is a user error. */
export async function readSummaryFile(file: string): Promise<Summary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `not JSON (${(e as Error).message})`}`);
  }
  const parsed = summarySchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(`${file}: not a gauntlet summary (schema ${String((raw as { schemaVersion?: unknown })?.schemaVersion ?? '?')}): ${firstIssue(parsed.error)}`);
  }
  return parsed.data;
}
