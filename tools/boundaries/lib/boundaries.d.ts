export interface BoundaryViolation {
  readonly file: string;
  readonly line: number;
  readonly pkg: string;
  readonly message: string;
}
export function checkWorkspace(root: string): BoundaryViolation[];
export function importsOf(text: string): Array<{ spec: string; index: number }>;
