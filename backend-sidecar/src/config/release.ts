import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors/errors';

/**
 * The release of the plugin and the sidecar is one version, set in one place: the repository root's package.json
 * (the plugin build writes it into plugin.json). Three folders up from here both in src/ and in the compiled dist/;
 * the image copies that package.json to the same place.
 */
export const RELEASE_SOURCE = path.resolve(__dirname, '../../../package.json');

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Reads and checks the release version; a missing or malformed one is a ConfigError naming the file. */
export function readRelease(file: string = RELEASE_SOURCE): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the release version from ${file}: ${(error as Error).message}`);
  }
  let version: unknown;
  try {
    version = (JSON.parse(text) as { version?: unknown }).version;
  } catch (error) {
    throw new ConfigError(`cannot read the release version from ${file}: ${(error as Error).message}`);
  }
  if (typeof version !== 'string' || !SEMVER.test(version)) {
    throw new ConfigError(`${file}: "version" must be a semantic version like 1.2.3, got ${JSON.stringify(version)}`);
  }
  return version;
}

let cached: string | undefined;

/** The release this sidecar is (read once). */
export function release(): string {
  cached ??= readRelease();
  return cached;
}
