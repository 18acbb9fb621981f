import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STAMP_FILE, buildState } from '../../scripts/launch.cjs';

/**
 * scripts/launch.cjs, which `npm start` (and the CLI's bin) run: compiled output when it is current, a build first
 * when dist/ is missing or older than the sources. Exercised on a small package of its own with the real compiler,
 * so the sidecar's dist/ is never touched here.
 */
const SIDECAR_DIR = path.resolve(__dirname, '../..');
const LAUNCHER = path.join(SIDECAR_DIR, 'scripts/launch.cjs');
const PROCESS_TYPES = 'declare const process: { argv: string[]; stdout: { write(text: string): void } };\n';

let pkg: string;

function writeSource(name: string, text: string): void {
  const file = path.join(pkg, 'src', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Runs `launch(entry)` for the test package in a fresh node, the way a bin script does. */
function launch(entry = 'main', args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const code = `require(${JSON.stringify(LAUNCHER)}).launch(${JSON.stringify(entry)}, ${JSON.stringify(pkg)})`;
  const result = spawnSync(process.execPath, ['-e', code, '--', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function launchAsync(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const code = `require(${JSON.stringify(LAUNCHER)}).launch('main', ${JSON.stringify(pkg)})`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
}

const stampTime = () => fs.statSync(path.join(pkg, 'dist', STAMP_FILE)).mtimeMs;

/**
 * Sources saved after the last build: its stamp is set two seconds back (more than any file system's time
 * resolution). Setting a source's time ahead instead left it newer than the next build too when that build came
 * within the second (a fast machine), and the rebuilt dist/ still looked stale.
 */
function backdateBuild(): void {
  const earlier = new Date(Math.min(stampTime(), Date.now()) - 2000);
  fs.utimesSync(path.join(pkg, 'dist', STAMP_FILE), earlier, earlier);
}

beforeEach(() => {
  pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-launcher-'));
  fs.writeFileSync(path.join(pkg, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [], noEmit: true, skipLibCheck: true } }));
  fs.writeFileSync(
    path.join(pkg, 'tsconfig.build.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false, outDir: 'dist', rootDir: 'src' }, include: ['src'], exclude: ['src/**/*.test.ts'] })
  );
  writeSource('message.ts', "export const message: string = 'first';\n");
  writeSource('extra.ts', 'export const extra = 1;\n');
  writeSource('main.ts', `${PROCESS_TYPES}import { message } from './message';\nprocess.stdout.write(\`\${message} \${process.argv.slice(1).join(',')}\`);\n`);
  writeSource('main.test.ts', 'this is not TypeScript, and tests are not compiled\n');
});

afterEach(() => {
  fs.rmSync(pkg, { recursive: true, force: true });
});

describe('npm start through scripts/launch.cjs', () => {
  it('compiles a missing dist/ before running the entry, then runs it without compiling again while the sources are unchanged', () => {
    expect(buildState(pkg)).toBe('missing');
    const first = launch('main', ['a']);
    expect(first).toMatchObject({ status: 0, stdout: 'first a' });
    expect(first.stderr).toContain('dist/ is missing; compiling');
    expect(buildState(pkg)).toBe('fresh');
    // Tests beside the sources are not compiled.
    expect(fs.existsSync(path.join(pkg, 'dist/main.test.js'))).toBe(false);
    const stamped = stampTime();

    const second = launch('main', ['b']);
    expect(second).toMatchObject({ status: 0, stdout: 'first b', stderr: '' });
    expect(stampTime()).toBe(stamped);
  });

  it('compiles again when a source changed since the last build, and drops the output of a deleted source', () => {
    expect(launch().status).toBe(0);
    writeSource('message.ts', "export const message: string = 'second';\n");
    backdateBuild();
    fs.rmSync(path.join(pkg, 'src/extra.ts'));
    expect(buildState(pkg)).toBe('stale');

    const rebuilt = launch();
    expect(rebuilt.stderr).toContain('dist/ is older than src/; compiling');
    expect(rebuilt).toMatchObject({ status: 0, stdout: 'second ' });
    expect(fs.existsSync(path.join(pkg, 'dist/extra.js'))).toBe(false);
    expect(buildState(pkg)).toBe('fresh');
  });

  it('sees a deleted source as a change even when no remaining file is newer (its folder changed)', () => {
    expect(launch().status).toBe(0);
    fs.rmSync(path.join(pkg, 'src/extra.ts'));
    const later = new Date(stampTime() + 1000);
    fs.utimesSync(path.join(pkg, 'src'), later, later);
    expect(buildState(pkg)).toBe('stale');
  });

  it("exits 1 with the compiler's message when the build fails, and keeps the previous dist/", () => {
    expect(launch().status).toBe(0);
    writeSource('message.ts', 'export const message: number = "not a number";\n');
    backdateBuild();
    const stamped = stampTime();

    const failed = launch();
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain("error TS2322: Type 'string' is not assignable to type 'number'");
    expect(failed.stderr).toContain('workflow-monitor: the TypeScript compiler failed (exit 2); dist/ was left as it was');
    expect(stampTime()).toBe(stamped);
    expect(fs.readFileSync(path.join(pkg, 'dist/message.js'), 'utf8')).toContain("'first'");
    expect(fs.existsSync(path.join(pkg, '.dist-build'))).toBe(false);
  });

  it('compiles once when two launchers start together, and both run the entry', async () => {
    const [a, b] = await Promise.all([launchAsync(), launchAsync()]);
    expect([a.status, b.status]).toEqual([0, 0]);
    expect([a.stdout, b.stdout]).toEqual(['first ', 'first ']);
    expect(`${a.stderr}${b.stderr}`.match(/compiling/g)).toHaveLength(1);
  });

  it('takes over the build lock of a launcher that died mid-build', () => {
    fs.mkdirSync(path.join(pkg, '.dist-build'));
    // A pid that cannot be alive (above the kernel's pid_max).
    fs.writeFileSync(path.join(pkg, '.dist-build/owner'), '99999999');
    expect(launch()).toMatchObject({ status: 0, stdout: 'first ' });
  });

  it('exits 1 naming an entry that has no compiled file', () => {
    const result = launch('nope');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('workflow-monitor: no compiled entry dist/nope.js (is there a src/nope.ts?)');
    expect(launch('../main').stderr).toContain('the entry must be a path inside dist/ without extension');
  });
});

describe("the sidecar package's scripts", () => {
  it('npm start and npm run build go through the launcher; the sources stay runnable through tsx', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(SIDECAR_DIR, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe('node scripts/launch.cjs main');
    expect(scripts.build).toBe('node scripts/launch.cjs --build');
    expect(scripts['start:sources']).toBe('node --import tsx src/main.ts');
    const build = JSON.parse(fs.readFileSync(path.join(SIDECAR_DIR, 'tsconfig.build.json'), 'utf8')) as { include: string[]; exclude: string[]; compilerOptions: { outDir: string; rootDir: string } };
    expect(build).toMatchObject({ include: ['src'], exclude: ['src/**/*.test.ts'], compilerOptions: { outDir: 'dist', rootDir: 'src' } });
  });
});
