import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { repoRoot } from './support.js';

/** docs/capacity.schema.json, compiled: what a capacity.json must look like. */
export function capacityValidator(): ReturnType<Ajv2020['compile']> {
  return new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(join(repoRoot, 'docs', 'capacity.schema.json'), 'utf8')) as object);
}

/**
 * The smoke workload at a 500 ms think time (steps ramp in 3 s), a 100 ms p99 budget, and
 * generator limits loose enough that a busy shared machine does not make its steps invalid: the
 * capacity tests test where the sweep stops and whose limit it says that is, not this machine's noise. Its
 * stages hold 2,000 sessions, so its target rate (4,100 ops/s) is above the planted knee.
 */
export function kneeScenarioFile(dir: string): string {
  const file = join(dir, 'knee.ts');
  const smoke = JSON.stringify(join(repoRoot, 'scenarios', 'smoke.ts'));
  writeFileSync(
    file,
    `import smoke from ${smoke};
export default { ...smoke, name: 'knee', stages: [{ name: 'ramp-up', duration: '3s', sessions: 2000 }, { name: 'steady', duration: '10s', sessions: 2000 }],
  session: { ...smoke.session, thinkTime: { distribution: 'exponential', meanMs: 500 } },
  thresholds: { p99Ms: 100, perOperationP99Ms: 100, maxErrorRate: 0.01 }, generator: { maxSchedulerLagP99Ms: 25, stallThresholdMs: 100 } };\n`,
  );
  return file;
}
