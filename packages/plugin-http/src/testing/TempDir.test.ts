import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTempDir } from './TempDir';

describe('createTempDir', () => {
  it('creates a fresh directory under the OS temp dir with the prefix', () => {
    const a = createTempDir('rollouts-tempdir-test-');
    const b = createTempDir('rollouts-tempdir-test-');
    try {
      expect(path.dirname(a.path)).toBe(os.tmpdir());
      expect(path.basename(a.path)).toMatch(/^rollouts-tempdir-test-/);
      expect(a.path).not.toBe(b.path);
      expect(fs.readdirSync(a.path)).toEqual([]);
    } finally {
      a.remove();
      b.remove();
    }
  });

  it('writes files and makes directories inside, creating parents', () => {
    const dir = createTempDir('rollouts-tempdir-test-');
    try {
      const file = dir.writeFile('conf/deep/carbon.conf', '[cache]\n');
      expect(file).toBe(path.join(dir.path, 'conf', 'deep', 'carbon.conf'));
      expect(fs.readFileSync(file, 'utf8')).toBe('[cache]\n');
      expect(dir.mkdir('storage/whisper')).toBe(dir.resolve('storage', 'whisper'));
      expect(fs.statSync(dir.resolve('storage', 'whisper')).isDirectory()).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it('removes the directory with its contents, and a second remove is harmless', () => {
    const dir = createTempDir('rollouts-tempdir-test-');
    dir.writeFile('a/b.txt', 'x');
    dir.remove();
    expect(fs.existsSync(dir.path)).toBe(false);
    expect(() => dir.remove()).not.toThrow();
  });
});
