import { knownRelease, releaseMismatch } from './release';

describe('releases of plugin and sidecar', () => {
  it('warns when the majors differ, naming both releases', () => {
    expect(releaseMismatch('1.4.0', '2.0.1')).toBe(
      'The sidecar is release 2.0.1 and this plugin 1.4.0: their major versions differ, so some features may not work. Upgrade the older one (CHANGELOG.md lists what changed).'
    );
    expect(releaseMismatch('2.0.0', '1.9.9')).toContain('The sidecar is release 1.9.9 and this plugin 2.0.0');
  });

  it('says nothing when the majors agree or a release is unknown (an older sidecar without release, a development build)', () => {
    expect(releaseMismatch('1.4.0', '1.0.0')).toBeUndefined();
    expect(releaseMismatch('0.1.0', '0.9.0')).toBeUndefined();
    expect(releaseMismatch('1.4.0', undefined)).toBeUndefined();
    expect(releaseMismatch('%VERSION%', '2.0.0')).toBeUndefined();
  });

  it('knows a release only in the shape the build writes, not the %VERSION% placeholder of a development build', () => {
    expect(knownRelease('%VERSION%')).toBeUndefined();
    expect(knownRelease(undefined)).toBeUndefined();
    expect(knownRelease('1.2.3-beta.1')).toBe('1.2.3-beta.1');
  });
});
