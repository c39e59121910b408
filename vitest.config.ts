import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['language/test/**/*.test.ts', 'server/test/**/*.test.ts', 'client/test/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: ['**/node_modules/**', '**/generated/**', 'test/e2e/**'],
        testTimeout: 60_000,
        hookTimeout: 120_000,
        pool: 'forks',
    },
});
