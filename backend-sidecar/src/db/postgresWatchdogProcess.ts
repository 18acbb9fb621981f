import { isProcessAlive } from './localProcesses';
import { isPostgresOf, stopPostgresProcess } from './postgresProcess';

/**
 * The watchdog process (started by postgresWatchdog.ts): `node postgresWatchdogProcess <postgres pid> <data directory>`.
 * Its stdin is a pipe from the sidecar that nothing writes to: the kernel closes it when the
 * sidecar exits in any way, SIGKILL and OOM included, and the watchdog then stops the postmaster.
 * It exits as soon as the postmaster is gone, whoever stopped it.
 */
const POLL_MS = 1_000;

function main(): void {
  const pid = Number(process.argv[2]);
  const databaseDir = process.argv[3];
  if (!Number.isSafeInteger(pid) || pid <= 0 || !databaseDir) {
    process.stderr.write('usage: postgresWatchdogProcess <postgres pid> <data directory>\n');
    process.exit(2);
  }
  const poll = setInterval(() => {
    if (!isProcessAlive(pid)) {
      process.exit(0);
    }
  }, POLL_MS);
  let stopping = false;
  const sidecarGone = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    clearInterval(poll);
    // The identity check guards against a pid reused since the postmaster exited.
    const stop = isProcessAlive(pid) && isPostgresOf(pid, databaseDir) ? stopPostgresProcess(pid) : Promise.resolve(undefined);
    stop.then(
      () => process.exit(0),
      () => process.exit(1)
    );
  };
  process.stdin.on('end', sidecarGone);
  process.stdin.on('close', sidecarGone);
  process.stdin.on('error', sidecarGone);
  process.stdin.resume();
}

main();
