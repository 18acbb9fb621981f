// Browser tests: real Chromium (Debian's) driven by playwright-core, the built plugin (dist/) in a
// harness page, and a real sidecar process with the demo workflows. Run after `npm run build`.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // harness/*.test.ts: the harness's own tests (Grafana's proxy semantics), no browser needed.
  testMatch: ['<rootDir>/**/*.browser.test.ts', '<rootDir>/harness/**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', tsx: true } } }],
  },
  testTimeout: 240_000,
  maxWorkers: 1,
};
