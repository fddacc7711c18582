// lib describes what it uses of a step's API structurally (lib/step-api.ts), since it may not
// import a step's src by its path. These checks hold those descriptions against the reference
// solutions: tsc (npm test's type-check) fails here when a step's API and lib part ways.
import { expect, test } from 'vitest';
import type * as Step05 from '../../solutions/05-consumer/src/index.ts';
import type * as Step07 from '../../solutions/07-replication/src/index.ts';
import type * as Step08 from '../../solutions/08-controller/src/index.ts';
import type * as Step09 from '../../solutions/09-kafka-protocol/src/index.ts';
import type { ChaosApi } from '../chaos/step-api.ts';
import type { BenchApi } from '../bench/workload.ts';
import type { DashboardApi } from '../dashboard/poller.ts';

/** true when a module's exports have every member lib's description names, with a shape that fits it; tsc refuses `true` otherwise. */
type Fits<Module, Used> = [Module] extends [Used] ? true : false;

test('steps 08 and 09 export what a chaos run uses', () => {
  const fits: [Fits<typeof Step08, ChaosApi>, Fits<typeof Step09, ChaosApi>] = [true, true];
  expect(fits).toEqual([true, true]);
});

test('steps 07 to 09 export what the benchmark uses', () => {
  const fits: [Fits<typeof Step07, BenchApi>, Fits<typeof Step08, BenchApi>, Fits<typeof Step09, BenchApi>] = [true, true, true];
  expect(fits).toEqual([true, true, true]);
});

test('steps 05 to 09 export what the dashboard uses', () => {
  const fits: [Fits<typeof Step05, DashboardApi>, Fits<typeof Step09, DashboardApi>] = [true, true];
  expect(fits).toEqual([true, true]);
});
