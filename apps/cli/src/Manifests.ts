/**
 * Reading the manifest files named by `-f` (`-` for stdin): each parsed into its documents, the first file that
 * cannot be read or parsed reported on stderr with its line and column.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/lib/Either';
import { parseDocuments, type SourceDocument } from './Documents';

/**
 * Read and parse the given files; with no file at all (a usage error), or on the first unreadable or unparsable
 * file, report it and return undefined (the caller exits 2).
 */
export function readManifests(files: readonly string[], io: { readonly stderr: { write(s: string): unknown } }): SourceDocument[] | undefined {
  if (files.length === 0) {
    io.stderr.write("error: required option '-f, --filename <file>' not specified (the manifest files to read; - for stdin)\n");
    return undefined;
  }
  const docs: SourceDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      io.stderr.write(`${file}: cannot read file${code ? ` (${code})` : ''}: ${(e as Error).message}\n`);
      return undefined;
    }
    const parsed = parseDocuments(file, text);
    if (E.isLeft(parsed)) {
      const f = parsed.left;
      const where = f.line === undefined ? '' : `:${f.line}:${f.column ?? 1}`;
      io.stderr.write(`${f.file}${where}: cannot parse YAML/JSON: ${f.message}\n`);
      return undefined;
    }
    docs.push(...parsed.right);
  }
  return docs;
}
