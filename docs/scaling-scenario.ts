import { defineScenario } from '../src/load/scenario.js';
import steady50k from '../scenarios/steady-50k.js';

/**
 * The scenario of docs/scaling.md's sweeps: steady-50k as shipped but for the generator's
 * scheduler lag allowance, 5 ms instead of 1 ms (10 % of the budget), which on a busy 2-core
 * machine no single generator keeps (docs/capacity.md, "A sweep of this machine").
 */
export default defineScenario({ ...steady50k, name: 'steady-50k-lag5', generator: { ...steady50k.generator, maxSchedulerLagP99Ms: 5 } });
