/** Writes a report file atomically: a reader never sees half a report. */
import { rename, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, path);
}
