/**
 * Plugin and sidecar are released together under one version (root package.json; the build writes it into
 * plugin.json, the sidecar reports it as `release` on /health). A different major means they were not upgraded
 * together.
 */

/** A version as the build writes it; undefined for anything else (`%VERSION%` in sources, an empty field). */
export function knownRelease(version: string | undefined | null): string | undefined {
  return typeof version === 'string' && /^\d+\.\d+\.\d+/.test(version) ? version : undefined;
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** What to warn about when the plugin's and the sidecar's majors differ; undefined when they agree or one is unknown. */
export function releaseMismatch(plugin: string | undefined, sidecar: string | undefined): string | undefined {
  const ours = knownRelease(plugin);
  const theirs = knownRelease(sidecar);
  if (!ours || !theirs || majorOf(ours) === majorOf(theirs)) {
    return undefined;
  }
  return `The sidecar is release ${theirs} and this plugin ${ours}: their major versions differ, so some features may not work. Upgrade the older one (CHANGELOG.md lists what changed).`;
}
