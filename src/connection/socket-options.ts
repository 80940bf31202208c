/** @deprecated moved to ./options.ts; kept only until src/index.ts imports DEFAULT_HEARTBEAT from there. */
export { DEFAULT_HEARTBEAT } from './options';
