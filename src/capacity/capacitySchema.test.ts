import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { capacityJsonSchema } from './capacitySchema.js';

test('docs/capacity.schema.json matches the schema in the code (run `npm run schema` after changing it)', () => {
  const published = JSON.parse(readFileSync(new URL('../../docs/capacity.schema.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(published, JSON.parse(JSON.stringify(capacityJsonSchema())));
});
