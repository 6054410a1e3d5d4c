import type { Stage } from '../scenario.js';
import { PopulationPlan } from './populationPlan.js';
import { ordinalOf, shareOf, type SchedulePartition } from './schedulePartition.js';

/**
 * The plan as one partition sees it: its own sessions only. When the whole plan holds T
 * sessions, the partition holds its share of the numbers 1..T; its c-th login is intended when
 * the whole plan reaches the c-th number it owns, and on a ramp down it gives up its c-th session
 * when the whole plan drops below that number. So the partitions' ramps together are the whole
 * ramp, login by login. A fractional target keeps its fraction only for the partition that owns
 * the next number, so floor and ceiling (the ramp's hysteresis) add up across partitions too.
 */
export class PlanShare extends PopulationPlan {
  constructor(
    stages: readonly Stage[],
    private readonly partition: SchedulePartition,
  ) {
    super(stages);
  }

  override targetSessions(t: number): number | null {
    const whole = super.targetSessions(t);
    if (whole === null) return null;
    const low = shareOf(this.partition, Math.floor(whole));
    const high = shareOf(this.partition, Math.ceil(whole));
    return high > low ? low + (whole - Math.floor(whole)) : low;
  }

  override stageTarget(i: number): number | undefined {
    const whole = super.stageTarget(i);
    return whole === undefined ? undefined : shareOf(this.partition, whole);
  }

  override timeOfCount(i: number, count: number): number {
    return super.timeOfCount(i, ordinalOf(this.partition, count));
  }

  override timeOfDropTo(i: number, count: number): number {
    return super.timeOfCount(i, ordinalOf(this.partition, count + 1) - 1);
  }

  override ordinalOf(count: number): number {
    return ordinalOf(this.partition, count);
  }

  override peakSessions(): number {
    return shareOf(this.partition, super.peakSessions());
  }
}
