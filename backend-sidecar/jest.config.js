/**
 * Sidecar tests: TypeScript through @swc/jest, a real PostgreSQL started once per run by the
 * global setup (or TEST_DATABASE_URL), one database per test file cloned from a migrated template.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  // Deadlines only bound a hang: a test waits for conditions, and a loaded CI machine may be slow.
  testTimeout: 180_000,
};
