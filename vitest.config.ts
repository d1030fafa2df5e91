import { defineConfig } from 'vitest/config';

// The suite runs on embedded PGlite, and again on a real PostgreSQL server when TEST_DATABASE_URL is set.
const backends = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export default defineConfig({
  test: {
    // The programs that tests start as people do (`npm start`, `sandbox`) run dist/: it is built first.
    globalSetup: ['test/build.ts'],
    projects: backends.map((backend) => ({
      test: {
        name: backend,
        include: ['test/**/*.test.ts'],
        env: { SANDBOX_TEST_BACKEND: backend },
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
