/**
 * Vitest setup file (vitest.config.ts `setupFiles`), loaded before every test file: after each test, run the
 * cleanups registered with onCleanup() and close every emulator started with startEmulator() (test/helpers/emulator.ts).
 */
import { afterEach } from 'vitest';
import { closeEmulators } from './emulator';

afterEach(closeEmulators);
