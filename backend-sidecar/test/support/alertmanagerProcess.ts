import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './sidecarProcess';
import { eventually } from './targetServer';

export const ALERTMANAGER_BIN = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager'].find((p) => fs.existsSync(p));

export interface AlertmanagerProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Alertmanager on loopback (Debian's prometheus-alertmanager), clustering off, with one
 * webhook receiver so a test can also see what Alertmanager itself sends on (resolved included).
 * Tests shorten the grouping timers; the benchmark keeps Alertmanager's defaults (30s / 5m).
 */
export async function startAlertmanager(webhookUrl: string, timing: { groupWait: string; groupInterval: string } = { groupWait: '1s', groupInterval: '1s' }): Promise<AlertmanagerProcess> {
  if (!ALERTMANAGER_BIN) {
    throw new Error('Alertmanager is not installed: apt-get install -y prometheus-alertmanager (.ci/run does this)');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-am-'));
  fs.writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: hook',
      '  group_by: [workflow, rule]',
      `  group_wait: ${timing.groupWait}`,
      `  group_interval: ${timing.groupInterval}`,
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      '        send_resolved: true',
      '',
    ].join('\n')
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => (await fetch(`${url}/-/ready`)).ok, 60_000, 100);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`Alertmanager did not become ready: ${String(error)}\n${stderr}`);
  }
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
