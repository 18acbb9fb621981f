import { PLUGIN_BASE_URL } from '../constants';

/** Prefixes a route with the plugin's base URL. */
export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}
