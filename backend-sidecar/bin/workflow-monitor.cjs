#!/usr/bin/env node
'use strict';
// `npx workflow-monitor …`. The compiled CLI when dist/ is up to date with the sources (and always in the image,
// which ships dist/ without sources); otherwise the TypeScript sources through tsx's require hook, so the bin
// works right after `npm ci` without waiting for a build (tsx comes with the workspace's dev dependencies).
const { buildState } = require('../scripts/launch.cjs');

if (buildState() === 'fresh') {
  require('../dist/cli/main.js').runFromProcess();
} else {
  require('tsx/cjs/api').register();
  require('../src/cli/main.ts').runFromProcess();
}
