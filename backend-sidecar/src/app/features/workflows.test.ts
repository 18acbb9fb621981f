import fs from 'node:fs';
import path from 'node:path';
import { DEMO_WORKFLOWS_DIR } from './workflows';

// `npm start` without WORKFLOWS_DIR runs these: a move of this file once left the path pointing nowhere.
it('points DEMO_WORKFLOWS_DIR at the demo workflow files shipped with the package', () => {
  const files = fs.readdirSync(DEMO_WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f));
  expect(files.length).toBeGreaterThan(0);
  expect(path.relative(path.resolve(__dirname, '../../..'), DEMO_WORKFLOWS_DIR)).toBe(path.join('demo', 'workflows'));
});
