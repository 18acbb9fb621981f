import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RELEASE_SOURCE, readRelease, release } from '../../src/config/release';
import { ConfigError } from '../../src/errors/errors';

const ROOT = path.resolve(__dirname, '../../..');

describe('the release version (one for plugin and sidecar)', () => {
  it("is the repository root package.json's version, which the plugin build writes into plugin.json", () => {
    expect(RELEASE_SOURCE).toBe(path.join(ROOT, 'package.json'));
    expect(release()).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    // create-plugin's build replaces %VERSION% with that same version in every plugin.json.
    for (const file of ['src/plugin.json', 'src/datasource/plugin.json']) {
      expect((JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as { info: { version: string } }).info.version).toBe('%VERSION%');
    }
  });

  it('is set in that one place only: the sidecar package has no version of its own', () => {
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'backend-sidecar/package.json'), 'utf8'))).not.toHaveProperty('version');
  });

  it('has an "Unreleased" section and one section per released version in CHANGELOG.md (Keep a Changelog)', () => {
    const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/keepachangelog\.com/);
    const sections = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(sections[0]).toBe('Unreleased');
    for (const version of sections.slice(1)) {
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it.each([
    ['no version', '{"name":"workflow-monitor"}', '"version" must be a semantic version like 1.2.3, got undefined'],
    ['a version that is not semantic', '{"version":"1.2"}', '"version" must be a semantic version like 1.2.3, got "1.2"'],
    ['not JSON', '{', 'cannot read the release version from'],
  ])('refuses a package.json with %s, naming the file', (_name, text, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-release-'));
    const file = path.join(dir, 'package.json');
    fs.writeFileSync(file, text);
    try {
      expect(() => readRelease(file)).toThrow(ConfigError);
      expect(() => readRelease(file)).toThrow(message);
      expect(() => readRelease(file)).toThrow(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
