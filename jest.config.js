// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

// Newer d3-* packages (pulled in by @grafana/ui) resolve to `.mjs`; route them through the same
// @swc/jest transform as our sources, or jest fails with "Unexpected token 'export'".
const swcTransform = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  transform: {
    ...base.transform,
    '^.+\\.mjs$': swcTransform,
  },
  // `yaml` (the workflow editor's YAML tab) resolves to its ES-module browser build under jsdom.
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, 'yaml'])],
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'json', 'node'],
  // Deadlines only bound a hang: rendering @grafana/ui under jsdom on a loaded 2-core CI machine is slow.
  testTimeout: 120_000,
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/backend-sidecar/', '<rootDir>/tests/'],
};
