#!/usr/bin/env node
'use strict';
// `npx workflow-monitor …`: the CLI's TypeScript sources run in this process through tsx's
// require hook (tsx is installed by `npm ci` with the workspace's dev dependencies).
require('tsx/cjs/api').register();
require('../src/cli/main.ts').runFromProcess();
