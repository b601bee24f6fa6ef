import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";

import { RoleError } from "./errors";

/** Options of {@link writeFileAtomic}. */
export interface WriteFileOptions {
  /** File mode of a new file; default 0o644. Use 0o600 for secrets. */
  readonly mode?: number;
  /** Whether an existing file may be replaced; default true. */
  readonly overwrite?: boolean;
}

/**
 * Writes a file atomically: the bytes go to a temporary file in the same directory, are flushed to
 * disk, then renamed over the target. A reader sees the old file or the new one, never a partial one;
 * a failure leaves the target untouched.
 * @param file the path to write
 * @param bytes the content
 * @param options `mode`, `overwrite`
 * @throws RoleError `INVALID_INPUT` if the file exists and `overwrite` is false, `CONFIG` on an I/O error
 */
export async function writeFileAtomic(
  file: string,
  bytes: Uint8Array | string,
  options: WriteFileOptions = {},
): Promise<void> {
  const target = path.resolve(file);
  if (options.overwrite === false && (await exists(target))) {
    throw new RoleError("INVALID_INPUT", `${target} already exists; choose another path or remove it first.`);
  }
  const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(path.dirname(target), { recursive: true });
    const handle = await open(temp, "wx", options.mode ?? 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    if (!isSystemError(error)) throw error;
    throw ioError(`write ${target}`, error);
  }
}

/**
 * Writes a value as pretty-printed JSON (bigints as decimal strings), atomically.
 * @param file the path to write
 * @param value a JSON-serialisable value
 * @param options as {@link writeFileAtomic}
 */
export async function writeJsonAtomic(file: string, value: unknown, options: WriteFileOptions = {}): Promise<void> {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
  await writeFileAtomic(file, `${text}\n`, options);
}

/**
 * Reads a whole input file, with an error that names the file and what it was for.
 * @param file the path
 * @param what what the file is, e.g. "the export archive"
 * @returns its bytes
 * @throws RoleError `NOT_FOUND` or `INVALID_INPUT`
 */
export async function readInputFile(file: string, what: string): Promise<Uint8Array> {
  const resolved = path.resolve(file);
  try {
    const bytes = await readFile(resolved);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new RoleError("NOT_FOUND", `Cannot find ${what} at ${resolved}; check the path.`);
    if (code === "EISDIR")
      throw new RoleError("INVALID_INPUT", `${resolved} is a directory; give the path of ${what}.`);
    throw ioError(`read ${what} at ${resolved}`, error);
  }
}

/**
 * Creates a directory and its content atomically: `fill` writes into a hidden temporary sibling, which is
 * renamed to `target` only when `fill` succeeds. On failure nothing is left behind. `target` must not exist,
 * or be an empty directory.
 * @param target the directory to create
 * @param fill writes the content into the directory it is given
 * @returns what `fill` returns
 * @throws RoleError `INVALID_INPUT` if `target` is a file or a non-empty directory
 */
export async function publishDirectory<T>(target: string, fill: (dir: string) => Promise<T>): Promise<T> {
  const resolved = path.resolve(target);
  const existing = await stat(resolved).catch(() => undefined);
  if (existing !== undefined) {
    if (!existing.isDirectory()) {
      throw new RoleError("INVALID_INPUT", `${resolved} exists and is not a directory; choose another output path.`);
    }
    if ((await readdir(resolved)).length > 0) {
      throw new RoleError(
        "INVALID_INPUT",
        `${resolved} is not empty; choose a new output directory (nothing is ever overwritten).`,
      );
    }
  }
  const temp = path.join(
    path.dirname(resolved),
    `.${path.basename(resolved)}.partial-${randomBytes(6).toString("hex")}`,
  );
  try {
    await mkdir(temp, { recursive: true });
    const result = await fill(temp);
    if (existing !== undefined) await rmdir(resolved);
    await rename(temp, resolved);
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (!isSystemError(error)) throw error;
    throw ioError(`create ${resolved}`, error);
  }
}

/** Whether an error comes from the operating system (a failed file operation), not from our own code. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === "string";
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}

function ioError(what: string, cause: unknown): RoleError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RoleError(
    "CONFIG",
    `Could not ${what}: ${reason}. Check that the directory exists, is writable and has free space.`,
    { cause },
  );
}
