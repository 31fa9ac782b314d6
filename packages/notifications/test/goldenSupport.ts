// Shared by the golden tests: the golden data (see test/golden/README.md for where it comes from).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const goldenDir = join(__dirname, 'golden');

export const readConfigMapData = (file: string): Record<string, string> =>
  (parse(readFileSync(join(goldenDir, file), 'utf8')) as { data: Record<string, string> }).data;

export interface GoldenCase {
  readonly name: string;
  readonly vars: Record<string, unknown>;
}

export const readCases = (file: string): GoldenCase[] => (JSON.parse(readFileSync(join(goldenDir, file), 'utf8')) as { cases: GoldenCase[] }).cases;

export const readGolden = (file: string): Record<string, Record<string, Record<string, unknown>>> =>
  JSON.parse(readFileSync(join(goldenDir, file), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
