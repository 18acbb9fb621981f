/**
 * The segments of a field path in a sidecar error: the routes write `tiers[0].channels[1]`,
 * the channel settings check writes `config.to.1`; both become `['tiers', '0', 'channels', '1']`.
 */
export function errorPathSegments(path: string): string[] {
  return path.split(/[.[\]]+/).filter(Boolean);
}
