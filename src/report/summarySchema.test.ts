import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { summaryJsonSchema } from './summarySchema.js';

test('docs/summary.schema.json matches the schema in the code (run `npm run schema` after changing it)', () => {
  const published = JSON.parse(readFileSync(new URL('../../docs/summary.schema.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(published, JSON.parse(JSON.stringify(summaryJsonSchema())));
});
