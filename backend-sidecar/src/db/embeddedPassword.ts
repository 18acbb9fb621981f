import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../log/logger';

/**
 * The embedded superuser's password: random per data directory, kept in `DATA_DIR/pg-password`
 * (mode 0600, beside `pg/`, not inside PostgreSQL's own directory). Any local process can reach
 * 127.0.0.1, and a superuser can run `COPY … TO PROGRAM`: a password known to everyone is none.
 */
export const PASSWORD_FILE = 'pg-password';
/** Written first and renamed once PostgreSQL has the password, so a crash in between locks nobody out. */
const PENDING_SUFFIX = '.new';
/** What data directories were initialised with before the password file existed; rotated away on start. */
export const LEGACY_EMBEDDED_PASSWORD = 'workflow-monitor';
export const EMBEDDED_SUPERUSER = 'postgres';

export interface EmbeddedPassword {
  password: string;
  /** The file the password lives in once committed. */
  file: string;
  /** Not yet known to PostgreSQL for sure (a fresh one, in `pg-password.new`). */
  pending: boolean;
}

async function readSecret(file: string): Promise<string | undefined> {
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return undefined;
    }
    throw error;
  });
  return text?.trim() || undefined;
}

/** The password for this data directory: the committed one, else a pending one, else a new random one. */
export async function loadEmbeddedPassword(dataDir: string): Promise<EmbeddedPassword> {
  const file = path.join(dataDir, PASSWORD_FILE);
  const committed = await readSecret(file);
  if (committed) {
    // Someone may have copied the directory with a looser mode; the file stays ours alone.
    await fs.chmod(file, 0o600);
    return { password: committed, file, pending: false };
  }
  const pendingFile = file + PENDING_SUFFIX;
  let pending = await readSecret(pendingFile);
  if (!pending) {
    pending = crypto.randomBytes(32).toString('base64url');
    await fs.writeFile(pendingFile, `${pending}\n`, { mode: 0o600 });
  }
  await fs.chmod(pendingFile, 0o600);
  return { password: pending, file, pending: true };
}

function isAuthenticationFailure(error: unknown): boolean {
  // 28P01 invalid_password, 28000 invalid_authorization_specification.
  const code = (error as { code?: unknown }).code;
  return code === '28P01' || code === '28000';
}

async function connect(port: number, password: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: EMBEDDED_SUPERUSER, password, database: 'postgres' });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/**
 * Connects as the superuser with the data directory's password. A data directory that still has
 * the old fixed password is given the new one first (ALTER ROLE), then the password file is
 * committed. Returns the connected client.
 */
export async function connectWithEmbeddedPassword(opts: { port: number; secret: EmbeddedPassword; log: Logger }): Promise<pg.Client> {
  const { port, secret, log } = opts;
  let client: pg.Client;
  try {
    client = await connect(port, secret.password);
  } catch (error) {
    if (!isAuthenticationFailure(error)) {
      throw error;
    }
    try {
      client = await connect(port, LEGACY_EMBEDDED_PASSWORD);
    } catch (legacyError) {
      if (isAuthenticationFailure(legacyError)) {
        throw new Error(
          `the embedded PostgreSQL refuses the password in ${secret.pending ? secret.file + PENDING_SUFFIX : secret.file}` +
            ' (and the old fixed one): restore that file from where the data directory came from, or start with another DATA_DIR'
        );
      }
      throw legacyError;
    }
    try {
      await client.query(`ALTER ROLE CURRENT_USER PASSWORD ${client.escapeLiteral(secret.password)}`);
    } catch (alterError) {
      await client.end().catch(() => undefined);
      throw alterError;
    }
    log.warn({ file: secret.file }, 'the embedded PostgreSQL superuser had the old fixed password; gave it a random one kept in the file');
  }
  if (secret.pending) {
    await fs.rename(secret.file + PENDING_SUFFIX, secret.file).catch(async (error: unknown) => {
      await client.end().catch(() => undefined);
      throw error;
    });
  }
  return client;
}
