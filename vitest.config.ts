import { defineConfig } from 'vitest/config';

// The suite runs on embedded PGlite, and again on a real PostgreSQL server when TEST_DATABASE_URL is set.
const backends = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export default defineConfig({
  test: {
    // Builds dist/ (the programs that tests start as people do run it) and the template databases, once per run.
    globalSetup: ['test/global-setup.ts'],
    // Three test files run side by side. Vitest's default is one fewer than the CPUs (one on a two-core machine), but a
    // test file spends much of its time waiting for the programs, servers and databases it talks to, which run in
    // processes of their own: three at a time keep two cores busy (`--maxWorkers` overrides it).
    maxWorkers: 3,
    projects: backends.map((backend) => ({
      test: {
        name: backend,
        include: ['test/**/*.test.ts'],
        env: { SANDBOX_TEST_BACKEND: backend },
        // A worker process runs one file after another and loads the sources and libraries once, not once per file
        // (a second or more each on two busy cores). Nothing is left behind to share: each file closes its bots,
        // databases and programs and restores the environment and `fetch` it changed, and src/ keeps no state in its
        // modules but the process's command launcher, which holds nothing between commands. A worker serves one project
        // (one backend) only.
        isolate: false,
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
