import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** The demo stack's docker-compose.yml: valid for Compose, pinned, healthy, wired to the plugin. */
const ROOT = path.resolve(__dirname, '../../..');
const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: unknown; command?: string[]; healthcheck?: unknown; depends_on?: Record<string, { condition: string }>; volumes?: string[]; environment?: Record<string, string> }>;
};
const envExample = Object.fromEntries(
  fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
);
const dockerCompose = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((p) => fs.existsSync(p));
const pluginIds = ['src/plugin.json', 'src/datasource/plugin.json', 'src/panels/trend/plugin.json', 'src/panels/alertlist/plugin.json'].map(
  (f) => (JSON.parse(fs.readFileSync(path.join(ROOT, f), 'utf8')) as { id: string }).id
);

/** `name:${VAR:-default}` as Compose runs it when VAR is unset. */
const imageWithDefaults = (image: string) => image.replace(/\$\{\w+:-([^}]*)\}/g, '$1');

describe('docker-compose.yml', () => {
  (dockerCompose || process.env.CI ? it : it.skip)('is valid for Compose (docker-compose config -q) with the values of .env.example', () => {
    const output = execFileSync(dockerCompose ?? 'docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...envExample }, encoding: 'utf8' });
    expect(output.trim()).toBe('');
  });

  it('has PostgreSQL, the sidecar, the demo service, Grafana and Prometheus, every image pinned and every service health-checked', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['demo', 'grafana', 'postgres', 'prometheus', 'sidecar']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, healthcheck: Boolean(service.healthcheck) }).toEqual({ name, healthcheck: true });
      if (!service.build) {
        expect({ name, image: imageWithDefaults(service.image!) }).toEqual({ name, image: expect.stringMatching(/:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/) });
      }
    }
  });

  it('starts services only after what they need is healthy', () => {
    expect(compose.services.sidecar!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, demo: { condition: 'service_healthy' } });
    expect(compose.services.grafana!.depends_on).toEqual({ sidecar: { condition: 'service_healthy' } });
  });

  it('mounts the built plugin and the provisioning into Grafana, allows our unsigned plugins, and shares the token', () => {
    const grafana = compose.services.grafana!;
    expect(grafana.volumes).toEqual(expect.arrayContaining([`./dist:/var/lib/grafana/plugins/${pluginIds[0]}:ro`, './provisioning:/etc/grafana/provisioning:ro']));
    expect(grafana.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS!.split(',').sort()).toEqual([...pluginIds].sort());
    expect(grafana.environment!.GF_SECURITY_ADMIN_PASSWORD).toContain('GRAFANA_ADMIN_PASSWORD');
    const required = (JSON.parse(fs.readFileSync(path.join(ROOT, 'src/plugin.json'), 'utf8')) as { dependencies: { grafanaDependency: string } }).dependencies.grafanaDependency.replace('>=', '');
    const version = imageWithDefaults(grafana.image!).split(':')[1]!;
    const asNumber = (v: string) => v.split('.').map(Number).reduce((a, n) => a * 1000 + n, 0);
    expect(asNumber(version)).toBeGreaterThanOrEqual(asNumber(required));
    expect(compose.services.sidecar!.environment!.SIDECAR_API_TOKEN).toContain('SIDECAR_API_TOKEN');
    expect(grafana.environment!.SIDECAR_API_TOKEN).toBe('${SIDECAR_API_TOKEN}');
    expect(Object.keys(envExample)).toEqual(expect.arrayContaining(['SIDECAR_API_TOKEN', 'POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']));
    const datasource = fs.readFileSync(path.join(ROOT, 'provisioning/datasources/workflow-monitor.yaml'), 'utf8');
    expect(datasource).toContain('${SIDECAR_API_TOKEN}');
    expect(datasource).toContain('${WORKFLOW_MONITOR_URL}');
    expect(datasource).toContain(pluginIds[1]);
  });

  it('runs the Grafana the plugin is built and tested against (the @grafana/ui version) unless GRAFANA_VERSION says otherwise', () => {
    const tested = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['@grafana/ui']!;
    expect(tested).toMatch(/^\d+\.\d+\.\d+$/);
    expect(compose.services.grafana!.image).toBe(`grafana/grafana:\${GRAFANA_VERSION:-${tested}}`);
  });

  it('has Grafana send the signed-in user (X-Grafana-User) through its data source proxy, so acknowledgements name who acted', () => {
    expect(compose.services.grafana!.environment!.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
  });

  it('has a multi-stage, non-root sidecar image with a health check on /health', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'backend-sidecar/Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/health/);
  });

  it('builds the image on Node.js 24 LTS and runs the compiled output with production dependencies only, no TypeScript', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'backend-sidecar/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+-bookworm-slim$/m);
    expect(dockerfile.match(/^FROM (\S+)/gm)!.every((line) => line.startsWith('FROM ${NODE_IMAGE}'))).toBe(true);
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const runtime = stages.at(-1)!;
    expect(stages[0]).toMatch(/^RUN npm run build -w backend-sidecar$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/backend-sidecar\/dist /m);
    expect(runtime).toMatch(/^COPY backend-sidecar\/migrations /m);
    expect(runtime).toMatch(/^COPY backend-sidecar\/demo /m);
    expect(runtime).not.toMatch(/backend-sidecar\/src|tsx/);
    expect(runtime.trim().split('\n').at(-1)).toBe('CMD ["node", "dist/main.js"]');
    // The demo service runs from the same image, compiled too.
    expect(compose.services.demo).toMatchObject({ command: ['node', 'dist/demo/runDemoService.js'] });
    expect(fs.existsSync(path.join(ROOT, 'backend-sidecar/src/demo/runDemoService.ts'))).toBe(true);
  });

  it('pins the same Node.js 24 minor in the image as CI tests with', () => {
    const image = /^ARG NODE_IMAGE=node:(24\.\d+)-/m.exec(fs.readFileSync(path.join(ROOT, 'backend-sidecar/Dockerfile'), 'utf8'))![1];
    const ci = /^NODE24_VERSION=(\d+\.\d+)\.\d+$/m.exec(fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8'))![1];
    expect(ci).toBe(image);
  });
});
