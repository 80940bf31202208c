/** Moved to ./rotation-plan.ts; this re-export keeps `src/options.ts` and `src/index.ts` compiling until they import it from there. */
export type { RotationPlan, RotationWindow } from './rotation-plan';
