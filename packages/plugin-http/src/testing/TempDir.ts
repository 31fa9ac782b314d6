/**
 * A temporary directory for a test's files (a server's config, data and logs), removed with everything in
 * it at the end.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A directory under the OS temp dir, owned by one test run. */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** The absolute path of `segments` inside the directory (nothing is created). */
  resolve(...segments: ReadonlyArray<string>): string;
  /** Create the directory `relative` (and its parents) inside; returns its absolute path. */
  mkdir(relative: string): string;
  /** Write `text` to the file `relative` inside, creating parent directories; returns its absolute path. */
  writeFile(relative: string, text: string): string;
  /** Delete the directory and everything in it; safe to call twice. */
  remove(): void;
}

/** Create a fresh, empty directory named `<prefix><random>` under the OS temp dir. */
export function createTempDir(prefix: string): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const resolve = (...segments: ReadonlyArray<string>) => path.join(dir, ...segments);
  return {
    path: dir,
    resolve,
    mkdir: (relative) => {
      const p = resolve(relative);
      fs.mkdirSync(p, { recursive: true });
      return p;
    },
    writeFile: (relative, text) => {
      const p = resolve(relative);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
      return p;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
