import { FieldProblem, invalidValue } from './ApiError';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Problems with a name that must be an RFC 1123 subdomain (most objects). */
export function checkSubdomainName(field: string, name: string): FieldProblem[] {
  if (name.length > 253) return [invalidValue(field, name, 'must be no more than 253 characters')];
  if (!DNS1123_SUBDOMAIN.test(name))
    return [
      invalidValue(
        field,
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    ];
  return [];
}

/** Problems with a name that must be an RFC 1123 label (namespaces, services). */
export function checkLabelName(field: string, name: string): FieldProblem[] {
  if (name.length > 63) return [invalidValue(field, name, 'must be no more than 63 characters')];
  if (!DNS1123_LABEL.test(name))
    return [
      invalidValue(
        field,
        name,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ),
    ];
  return [];
}

/** Problems with a label or annotation key (`prefix/name`). */
export function checkQualifiedKey(field: string, key: string): FieldProblem[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const problems: FieldProblem[] = [];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
    problems.push(invalidValue(field, key, 'prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\''));
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name))
    problems.push(
      invalidValue(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"),
    );
  return problems;
}

/** Problems with a label value. */
export function checkLabelValue(field: string, value: unknown): FieldProblem[] {
  if (typeof value !== 'string') return [invalidValue(field, value, 'label values must be strings')];
  if (value.length > 63 || !LABEL_VALUE.test(value))
    return [
      invalidValue(
        field,
        value,
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      ),
    ];
  return [];
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters from the alphabet Kubernetes uses (no vowels). */
export function generateName(prefix: string, random: () => number): string {
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)]!;
  return base + s;
}
