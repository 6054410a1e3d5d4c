// Regenerates docs/summary.schema.json from the zod schema in src/report/summarySchema.ts.
import { writeFileSync } from 'node:fs';
import { summaryJsonSchema } from '../src/report/summarySchema.js';

const file = new URL('../docs/summary.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(summaryJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
