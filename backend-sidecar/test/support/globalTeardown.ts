export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as Record<string, unknown>).__WM_PG_CHILD__ as import('node:child_process').ChildProcess | undefined;
  if (child && child.exitCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
}
