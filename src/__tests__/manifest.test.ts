import fs from 'fs';
import path from 'path';

// Grafana's plugin validator downloads a binary at run time and cannot run here; these checks
// cover what it would reject in our manifests. The dist/ checks run after `npm run build`
// (npm test builds first).
const root = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'src/plugin.json'), 'utf8'));
const dist = path.join(root, 'dist');
const built = fs.existsSync(path.join(dist, 'plugin.json'));

describe('src/plugin.json', () => {
  it('has an id of the form <org>-<name>-app and type app', () => {
    expect(manifest.id).toMatch(/^[a-z0-9]+-[a-z0-9]+-app$/);
    expect(manifest.type).toBe('app');
  });

  it('declares the Grafana version it needs', () => {
    expect(manifest.dependencies.grafanaDependency).toMatch(/^>=\s*\d+\.\d+\.\d+$/);
  });

  it('points every include at something that exists', () => {
    for (const include of manifest.includes) {
      if (include.type === 'page') {
        expect(include.path).toMatch(/^\/(a\/%PLUGIN_ID%\/[\w/-]*|plugins\/%PLUGIN_ID%)$/);
      } else {
        expect(fs.existsSync(path.join(root, 'src', include.path))).toBe(true);
      }
    }
    for (const logo of Object.values<string>(manifest.info.logos)) {
      expect(fs.existsSync(path.join(root, 'src', logo))).toBe(true);
    }
  });
});

(built ? describe : describe.skip)('npm run build output (dist/)', () => {
  it('has plugin.json with the placeholders filled and module.js', () => {
    const out = JSON.parse(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
    expect(out.id).toBe(manifest.id);
    expect(out.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(JSON.stringify(out)).not.toContain('%PLUGIN_ID%');
    expect(fs.statSync(path.join(dist, 'module.js')).size).toBeGreaterThan(0);
    for (const logo of Object.values<string>(out.info.logos)) {
      expect(fs.existsSync(path.join(dist, logo))).toBe(true);
    }
  });
});
