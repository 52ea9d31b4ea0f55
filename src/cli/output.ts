/**
 * The `--out` report file. Its temp file is created before any host is touched, so a folder
 * that is missing or not writable is a clear error up front instead of a stack trace after an
 * apply whose report is then lost. The temp is exclusive and 0600 (a report names hosts and
 * quotes their configs), and is renamed over the target at the end: a reader never sees half
 * a report, and a symlink planted at either name is never written through. Replacing a regular
 * file keeps that file's mode.
 */
import { constants } from 'node:fs';
import { lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { FleetError } from '../core/errors.js';

/** O_EXCL makes the create fail on any existing name, a symlink included; O_NOFOLLOW says so twice. */
const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export class ReportFile {
  readonly path: string;
  /** The flag that named the file, for messages. */
  readonly flag: string;
  readonly #temp: string;
  #handle: FileHandle | null;

  private constructor(path: string, flag: string, temp: string, handle: FileHandle) {
    this.path = path;
    this.flag = flag;
    this.#temp = temp;
    this.#handle = handle;
  }

  /** Creates the temp file next to `path`; a FleetError names the folder and the reason. */
  static async reserve(path: string, flag = '--out'): Promise<ReportFile> {
    const folder = dirname(path);
    if (basename(path) === '' || path.endsWith('/')) throw new FleetError('INPUT_MISSING', `${flag} ${path}: names a folder, not a file`);
    const existing = await lstat(path).catch(() => null);
    if (existing?.isDirectory()) throw new FleetError('INPUT_MISSING', `${flag} ${path}: is a folder; name a file`);
    const temp = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, CREATE_EXCLUSIVE, 0o600);
      // The mode given to open() passes through the umask; a new report is 0600 whatever it is.
      // A regular file being replaced keeps its mode, as fleet keeps every file's: a metrics
      // file its owner made readable for node_exporter stays readable.
      await handle.chmod(existing?.isFile() === true ? existing.mode & 0o777 : 0o600);
      return new ReportFile(path, flag, temp, handle);
    } catch (error) {
      throw new FleetError('INPUT_MISSING', `${flag} ${path}: cannot write the report into ${folder}: ${reason(error)}`, { cause: error });
    }
  }

  /** Writes the report and renames it over `path` (replacing a symlink there, never following it). */
  async commit(text: string): Promise<void> {
    const handle = this.#handle;
    if (handle === null) throw new FleetError('INTERNAL', `${this.flag} ${this.path}: the report file was already written or discarded`);
    this.#handle = null;
    try {
      await handle.writeFile(text);
      await handle.sync();
      await handle.close();
      await rename(this.#temp, this.path);
    } catch (error) {
      await handle.close().catch(() => {});
      await unlink(this.#temp).catch(() => {});
      throw new FleetError('INPUT_MISSING', `${this.flag} ${this.path}: cannot write the report: ${reason(error)}`, { cause: error });
    }
  }

  /** Removes the temp file when no report will be written (bad input found after the reserve). */
  async discard(): Promise<void> {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    await handle.close().catch(() => {});
    await unlink(this.#temp).catch(() => {});
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such folder';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'EISDIR') return 'it is a folder';
  return (error as Error).message;
}
