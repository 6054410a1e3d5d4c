// Regenerates the published JSON Schemas from their zod schemas: docs/summary.schema.json
// (src/report/summarySchema.ts) and docs/capacity.schema.json (src/capacity/capacitySchema.ts).
import { writeFileSync } from 'node:fs';
import { summaryJsonSchema } from '../src/report/summarySchema.js';
import { capacityJsonSchema } from '../src/capacity/capacitySchema.js';

for (const [name, schema] of [['summary.schema.json', summaryJsonSchema()], ['capacity.schema.json', capacityJsonSchema()]] as const) {
  const file = new URL(`../docs/${name}`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
