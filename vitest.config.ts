// Vitest: pure unit tests colocated in router-core, process/socket tests under tests/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Renderer tests pick jsdom per file (`// @vitest-environment jsdom`).
    include: ['router-core/**/*.test.ts', 'tests/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
    // Real inference, real sockets and child processes: generous but bounded.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for UI and other asynchronous state. Vitest's default of 1 s is too short on a loaded 2-core
    // machine running Chromium beside other test files (a 200 ms search debounce + a query + a render missed it once);
    // 5 s, Playwright's own default, still fails a state that never comes.
    expect: { poll: { timeout: 5_000 } },
    // Two cores: run files in parallel, but not more workers than cores.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
