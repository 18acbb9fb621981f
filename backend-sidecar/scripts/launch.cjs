'use strict';
/**
 * Runs a compiled entry of the sidecar package (`dist/<entry>.js`), building dist/ first when it is missing or
 * older than the sources. `npm start` and the CLI's bin go through here, so `npm ci && npm start` on a fresh clone
 * works without a separate build step, and an edited source is never run stale.
 *
 *   node scripts/launch.cjs main [args…]      the sidecar (what `npm start` runs)
 *   node scripts/launch.cjs --build           compile now (what `npm run build` runs)
 *   require('./launch.cjs').launch('cli/main') from a bin script
 *
 * Plain CommonJS without dependencies: it runs before anything is compiled. The image runs `node dist/main.js`
 * directly (it has no sources and no TypeScript).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE_DIR = path.resolve(__dirname, '..');
/** Written last into a finished build; its modification time is the moment that build started reading sources. */
const STAMP_FILE = '.build-stamp';
/** How long a launcher waits for another one's build before giving up. */
const BUILD_WAIT_MS = 10 * 60_000;

class BuildError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BuildError';
  }
}

function layoutOf(packageDir) {
  return {
    packageDir,
    srcDir: path.join(packageDir, 'src'),
    distDir: path.join(packageDir, 'dist'),
    // Lock and scratch space of a build in progress: mkdir is atomic, so two launchers never build at once.
    workDir: path.join(packageDir, '.dist-build'),
    tsconfig: path.join(packageDir, 'tsconfig.build.json'),
    configFiles: ['tsconfig.json', 'tsconfig.build.json'].map((name) => path.join(packageDir, name)),
  };
}

/**
 * The newest modification time among what a build reads: every file and folder under src/ (a folder's time moves
 * when a file in it is added, removed or renamed) and the tsconfigs. Tests beside the sources are not compiled.
 */
function newestInputMs(layout) {
  let newest = 0;
  const visit = (entry) => {
    const stat = fs.statSync(entry);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(entry)) {
        if (!name.endsWith('.test.ts')) {
          visit(path.join(entry, name));
        }
      }
    }
  };
  visit(layout.srcDir);
  for (const file of layout.configFiles) {
    if (fs.existsSync(file)) {
      newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
  }
  return newest;
}

/** 'missing' (never built), 'stale' (a source changed since the build started) or 'fresh'. */
function buildState(packageDir = PACKAGE_DIR) {
  const layout = layoutOf(packageDir);
  const stamp = path.join(layout.distDir, STAMP_FILE);
  if (!fs.existsSync(stamp)) {
    return 'missing';
  }
  // An installation without sources (the image) runs what it was given.
  if (!fs.existsSync(layout.srcDir)) {
    return 'fresh';
  }
  return newestInputMs(layout) > fs.statSync(stamp).mtimeMs ? 'stale' : 'fresh';
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Takes the build lock; false when another live launcher holds it (a dead holder's lock is taken over). */
function tryLock(layout) {
  try {
    fs.mkdirSync(layout.workDir);
  } catch (error) {
    if (error.code !== 'EEXIST') {
      throw error;
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(layout.workDir, 'owner'), 'utf8'));
    } catch {
      // The holder has not written its pid yet: treat it as alive, unless the lock is old.
    }
    const age = Date.now() - fs.statSync(layout.workDir, { throwIfNoEntry: false })?.mtimeMs;
    const abandoned = Number.isInteger(owner) ? !isAlive(owner) : age > 60_000;
    if (!abandoned) {
      return false;
    }
    fs.rmSync(layout.workDir, { recursive: true, force: true });
    return tryLock(layout);
  }
  fs.writeFileSync(path.join(layout.workDir, 'owner'), String(process.pid));
  return true;
}

function resolveTsc(packageDir) {
  try {
    return require.resolve('typescript/bin/tsc', { paths: [packageDir, __dirname] });
  } catch {
    throw new BuildError(
      'dist/ is missing or older than src/, and TypeScript is not installed (production install?): run `npm run build` where the dev dependencies are installed'
    );
  }
}

/**
 * Compiles src/ into a scratch folder, stamps it, then swaps it in for dist/, so a failed build leaves the previous
 * dist/ in place and outputs of deleted sources do not linger. The caller holds the lock.
 */
function compile(layout, log) {
  const tsc = resolveTsc(layout.packageDir);
  const startedAt = Date.now();
  const outDir = path.join(layout.workDir, 'dist');
  // tsc prints its diagnostics on stdout; keep stdout for what the entry prints (the CLI's --format json).
  const result = spawnSync(process.execPath, [tsc, '-p', layout.tsconfig, '--outDir', outDir], { cwd: layout.packageDir, stdio: ['ignore', 2, 2] });
  if (result.error) {
    throw new BuildError(`could not run the TypeScript compiler: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new BuildError(`the TypeScript compiler failed (exit ${result.status ?? result.signal}); dist/ was left as it was`);
  }
  const stamp = path.join(outDir, STAMP_FILE);
  fs.writeFileSync(stamp, `${JSON.stringify({ builtAt: new Date().toISOString(), node: process.version })}\n`);
  // Dated when the compiler started reading: a source saved during the build makes the next start build again.
  fs.utimesSync(stamp, startedAt / 1000, startedAt / 1000);
  const previous = path.join(layout.workDir, 'previous');
  if (fs.existsSync(layout.distDir)) {
    fs.renameSync(layout.distDir, previous);
  }
  fs.renameSync(outDir, layout.distDir);
  log(`compiled src/ into dist/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function stderrLog(message) {
  process.stderr.write(`workflow-monitor: ${message}\n`);
}

/**
 * Makes dist/ current. `force` compiles even when it looks fresh (`npm run build`). When another launcher is
 * building, waits for it and uses its result.
 */
function ensureBuilt(packageDir = PACKAGE_DIR, { force = false, log = stderrLog } = {}) {
  const layout = layoutOf(packageDir);
  const deadline = Date.now() + BUILD_WAIT_MS;
  let waited = false;
  for (;;) {
    const state = buildState(packageDir);
    if (state === 'fresh' && !(force && !waited)) {
      return { built: false, state };
    }
    if (tryLock(layout)) {
      try {
        // Checked again under the lock: the build we waited for may have made it fresh.
        const lockedState = buildState(packageDir);
        if (lockedState === 'fresh' && !(force && !waited)) {
          return { built: false, state: lockedState };
        }
        log(force ? 'compiling src/ into dist/ …' : `dist/ is ${lockedState === 'missing' ? 'missing' : 'older than src/'}; compiling …`);
        compile(layout, log);
        return { built: true, state: lockedState };
      } finally {
        fs.rmSync(layout.workDir, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) {
      throw new BuildError(`another build has held ${layout.workDir} for over ${BUILD_WAIT_MS / 60_000} minutes; remove it if no build is running`);
    }
    waited = true;
    sleep(200);
  }
}

/**
 * Builds when needed, then runs `dist/<entry>.js` in this process (signals and exit codes stay the entry's own).
 * A build that cannot be made ends the process with exit code 1 and the reason on stderr.
 */
function launch(entry, packageDir = PACKAGE_DIR) {
  try {
    if (typeof entry !== 'string' || !/^[\w-]+(\/[\w-]+)*$/.test(entry)) {
      throw new BuildError(`the entry must be a path inside dist/ without extension, like "main" or "cli/main"; got ${JSON.stringify(entry)}`);
    }
    ensureBuilt(packageDir);
    const file = path.join(layoutOf(packageDir).distDir, `${entry}.js`);
    if (!fs.existsSync(file)) {
      throw new BuildError(`no compiled entry ${path.relative(packageDir, file)} (is there a src/${entry}.ts?)`);
    }
    require(file);
  } catch (error) {
    if (!(error instanceof BuildError)) {
      throw error;
    }
    stderrLog(error.message);
    process.exit(1);
  }
}

function runFromCommandLine() {
  // The entry reads its own arguments from argv[2]: take ours out.
  const [entry] = process.argv.splice(2, 1);
  if (entry !== '--build') {
    launch(entry);
    return;
  }
  try {
    ensureBuilt(PACKAGE_DIR, { force: true });
  } catch (error) {
    if (!(error instanceof BuildError)) {
      throw error;
    }
    stderrLog(error.message);
    process.exit(1);
  }
}

if (require.main === module) {
  runFromCommandLine();
}

module.exports = { launch, ensureBuilt, buildState, BuildError, STAMP_FILE };
