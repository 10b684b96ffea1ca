import type { Parameters } from 'fast-check';

/**
 * Runs and seed of every property. `npm test` runs a modest, fixed number (JOINKEY_PROPERTY_RUNS,
 * default 40) from fixed seeds, so CI is reproducible; `npm run test:deep` sets 2000. Slow
 * properties (hcl2json, check, the CLI) run a fraction of it. A failure prints its seed and path:
 * replay it with JOINKEY_PROPERTY_SEED=<seed>, or fc.assert(..., { seed, path }).
 */
export const PROPERTY_RUNS = Number(process.env.JOINKEY_PROPERTY_RUNS ?? 40);
const BASE_SEED = Number(process.env.JOINKEY_PROPERTY_SEED ?? 20240601);

export function propertyParams<T>(id: number, factor = 1): Parameters<T> {
  return { seed: BASE_SEED + id, numRuns: Math.max(3, Math.round(PROPERTY_RUNS * factor)), endOnFailure: false };
}
