/**
 * `{{args.<name>}}` resolution on an AnalysisRun's metrics (validation catalogue §7.2), secret arguments,
 * and the redaction of secret values from every message.
 *
 * Upstream serialises each metric to JSON, substitutes every `{{tag}}` (the tag trimmed, looked up as
 * `args.<name>`) with the JSON-escaped value, and reads the metric back. This module does the same:
 * - an argument without a value fails first: `argument "<name>" was not supplied` (the first such argument);
 * - any `{{…}}` that names no argument fails, Go or Helm templating in a query included:
 *   `failed to resolve {{<raw tag>}}`. When several fail, only the **last** in JSON field order is reported
 *   (top-level order as Go marshals a Metric: name, interval, initialDelay, count, successCondition,
 *   failureCondition, failureLimit, inconclusiveLimit, consecutiveErrorLimit, provider,
 *   consecutiveSuccessLimit; nested objects keep their own key order);
 * - a `{{` without a closing `}}` fails as fasttemplate does: `Cannot find end tag="}}" in the template=…`.
 *
 * Secret arguments (`valueFrom.secretKeyRef`) stay references in the run. For validation and decisions the
 * run controller substitutes a placeholder; only the metric handed to a provider carries the secret value.
 */
import * as E from 'fp-ts/lib/Either';
import type { Argument, Metric } from '@rollouts/api';

/** What a secret argument reads as while a run is validated and assessed (upstream's placeholder). */
export const SECRET_ARGUMENT_PLACEHOLDER = 'temp-for-secret';

/** What a secret value is replaced with in messages. */
export const REDACTED = '*****';

/** Secret data available to the run controller: secret name -> key -> value (already decoded). */
export type SecretData = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** An argument as substitution sees it: a name and, once resolved, a value. */
export interface ResolvedArgument {
  readonly name: string;
  readonly value?: string | null;
}

/** The top-level key order of a Go-marshalled Metric, which decides which failing tag is reported. */
const METRIC_FIELD_ORDER = [
  'name',
  'interval',
  'initialDelay',
  'count',
  'successCondition',
  'failureCondition',
  'failureLimit',
  'inconclusiveLimit',
  'consecutiveErrorLimit',
  'provider',
  'consecutiveSuccessLimit',
] as const;

/** A metric's JSON with Go's top-level field order; absent and null fields are left out (omitempty). */
export function metricJson(metric: Metric): string {
  const ordered: Record<string, unknown> = {};
  const source = metric as unknown as Record<string, unknown>;
  for (const k of METRIC_FIELD_ORDER) if (source[k] != null) ordered[k] = source[k];
  for (const [k, v] of Object.entries(source)) if (!(k in ordered) && v != null) ordered[k] = v;
  return JSON.stringify(ordered);
}

/** A value escaped for use inside a JSON string literal (without the surrounding quotes). */
const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);

/**
 * Replace each `{{tag}}` of `template` by `lookup(trimmed tag)`, escaped for JSON. Fails with the last tag
 * that `lookup` does not know, as upstream's fasttemplate callback does.
 */
export function substituteTags(template: string, lookup: (tag: string) => string | undefined): E.Either<string, string> {
  let out = '';
  let pos = 0;
  let unresolved: string | undefined;
  for (;;) {
    const open = template.indexOf('{{', pos);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) {
      return E.left(`Cannot find end tag=${JSON.stringify('}}')} in the template=${JSON.stringify(template)} starting from ${JSON.stringify(template.slice(open + 2))}`);
    }
    out += template.slice(pos, open);
    const tag = template.slice(open + 2, close);
    const value = lookup(tag.trim());
    if (value === undefined) unresolved = `failed to resolve {{${tag}}}`;
    else out += jsonEscape(value);
    pos = close + 2;
  }
  out += template.slice(pos);
  return unresolved === undefined ? E.right(out) : E.left(unresolved);
}

/**
 * Resolve `{{args.<name>}}` in one metric (§7.2). Every argument must have a value; secret arguments must
 * have been given one first (`argumentsWithSecretPlaceholders` or `argumentsWithSecretValues`).
 */
export function resolveMetricArgs(metric: Metric, args: ReadonlyArray<ResolvedArgument>): E.Either<string, Metric> {
  const values = new Map<string, string>();
  for (const a of args) {
    if (a.value == null) return E.left(`argument "${a.name}" was not supplied`);
    values.set(`args.${a.name}`, a.value);
  }
  const json = metricJson(metric);
  // Fast path: nothing to substitute.
  if (!json.includes('{{')) return E.right(metric);
  return E.map((text: string) => JSON.parse(text) as Metric)(substituteTags(json, (tag) => values.get(tag)));
}

/** Resolve every metric, stopping at the first that fails (as the run controller does). */
export function resolveMetricsArgs(metrics: ReadonlyArray<Metric>, args: ReadonlyArray<ResolvedArgument>): E.Either<string, Metric[]> {
  const out: Metric[] = [];
  for (const m of metrics) {
    const r = resolveMetricArgs(m, args);
    if (E.isLeft(r)) return r;
    out.push(r.right);
  }
  return E.right(out);
}

const isSecretArgument = (a: Argument): boolean => a.valueFrom?.secretKeyRef != null;

/** The run's arguments with each secret argument standing in as a placeholder value (never the secret). */
export function argumentsWithSecretPlaceholders(args: ReadonlyArray<Argument> | null | undefined): ResolvedArgument[] {
  return (args ?? []).map((a) => (isSecretArgument(a) ? { name: a.name, value: SECRET_ARGUMENT_PLACEHOLDER } : { name: a.name, value: a.value ?? null }));
}

/** A secret argument: its name and the value the controller read from the Secret. */
export interface SecretArgument {
  readonly name: string;
  readonly value: string;
}

/** The run's arguments with secret values filled in, and those values (for redaction). */
export interface ArgumentsWithSecrets {
  readonly args: ResolvedArgument[];
  readonly secretValues: string[];
  /** The secret arguments by name, for messages that must name an argument instead of quoting it. */
  readonly secrets: SecretArgument[];
}

/**
 * Fill secret arguments from `secrets`. A missing Secret fails as the Kubernetes API does
 * (`secrets "<name>" not found`); a missing key fails as upstream does (`key '<k>' does not exist in secret '<name>'`).
 * A secret argument's value, if it also has one, is ignored: the secret wins, as upstream.
 */
export function argumentsWithSecretValues(args: ReadonlyArray<Argument> | null | undefined, secrets: SecretData | undefined): E.Either<string, ArgumentsWithSecrets> {
  const out: ResolvedArgument[] = [];
  const secretValues = new Set<string>();
  const named: SecretArgument[] = [];
  for (const a of args ?? []) {
    const ref = a.valueFrom?.secretKeyRef;
    if (ref == null) {
      out.push({ name: a.name, value: a.value ?? null });
      continue;
    }
    const secret = secrets?.[ref.name];
    if (secret === undefined) return E.left(`secrets "${ref.name}" not found`);
    const value = Object.prototype.hasOwnProperty.call(secret, ref.key) ? secret[ref.key] : undefined;
    if (value === undefined) return E.left(`key '${ref.key}' does not exist in secret '${ref.name}'`);
    secretValues.add(value);
    named.push({ name: a.name, value });
    out.push({ name: a.name, value });
  }
  return E.right({ args: out, secretValues: [...secretValues], secrets: named });
}

/**
 * The secret arguments whose Secrets could be read (`secrets`), whatever else is wrong with the run's arguments:
 * what every message of the run is screened against (see {@link screenSecrets}).
 */
export function secretArgumentsOf(args: ReadonlyArray<Argument> | null | undefined, secrets: SecretData | undefined): SecretArgument[] {
  const out: SecretArgument[] = [];
  for (const a of args ?? []) {
    const ref = a.valueFrom?.secretKeyRef;
    if (ref == null) continue;
    const secret = secrets?.[ref.name];
    const value = secret !== undefined && Object.prototype.hasOwnProperty.call(secret, ref.key) ? secret[ref.key] : undefined;
    if (value !== undefined && value !== '') out.push({ name: a.name, value });
  }
  return out;
}

/**
 * The shortest part of a secret value that counts as showing the secret: a message holding any
 * {@link SECRET_FRAGMENT_LENGTH} consecutive characters of a secret value (as written, JSON-escaped or
 * URL-encoded) is withheld whole. Text that happens to share 4 characters with a secret (a common word in a
 * secret such as `password123`) is withheld too: a false positive is the safe side.
 */
export const SECRET_FRAGMENT_LENGTH = 4;

/** The forms in which a secret value may be quoted: as it is, escaped in JSON, encoded in a URL. */
function secretForms(value: string): string[] {
  const forms = new Set<string>([value, jsonEscape(value)]);
  try {
    forms.add(encodeURIComponent(value));
  } catch {
    // a lone surrogate cannot be URL-encoded: nothing can show it in that form either
  }
  return [...forms].filter((f) => f !== '');
}

/**
 * A precomputed check of texts against a run's secret arguments: the names of the arguments a text shows
 * (whole or any part of {@link SECRET_FRAGMENT_LENGTH}+ characters).
 */
export interface SecretScreen {
  readonly secrets: ReadonlyArray<SecretArgument>;
  /** Every secret value and its escaped forms, longest first (for exact redaction). */
  readonly forms: ReadonlyArray<string>;
  /** Every window of {@link SECRET_FRAGMENT_LENGTH} characters of every form, with the arguments it belongs to. */
  readonly windows: ReadonlyMap<string, ReadonlyArray<string>>;
}

/** Build the screen once per reconcile: the cost is proportional to the total length of the secret values. */
export function secretScreen(secrets: ReadonlyArray<SecretArgument>): SecretScreen {
  const windows = new Map<string, string[]>();
  const forms = new Set<string>();
  for (const s of secrets) {
    for (const form of secretForms(s.value)) {
      forms.add(form);
      const n = Math.min(SECRET_FRAGMENT_LENGTH, form.length);
      for (let i = 0; i + n <= form.length; i++) {
        const w = form.slice(i, i + n);
        const names = windows.get(w) ?? [];
        if (!names.includes(s.name)) names.push(s.name);
        windows.set(w, names);
      }
    }
  }
  return { secrets, forms: [...forms].sort((a, b) => b.length - a.length), windows };
}

/** The names of the secret arguments `text` shows, whole or in part; empty when it shows none. */
export function secretArgumentsIn(text: string, screen: SecretScreen): string[] {
  if (screen.windows.size === 0 || text === '') return [];
  const found = new Set<string>();
  const lengths = new Set([...screen.windows.keys()].map((w) => w.length));
  for (const n of lengths) {
    for (let i = 0; i + n <= text.length; i++) {
      const names = screen.windows.get(text.slice(i, i + n));
      if (names !== undefined) for (const name of names) found.add(name);
    }
  }
  return screen.secrets.map((s) => s.name).filter((name, i, all) => found.has(name) && all.indexOf(name) === i);
}

/** `the secret argument "token"` or `the secret arguments "a", "b"`. */
export function secretArgumentNames(names: ReadonlyArray<string>): string {
  return `the secret argument${names.length === 1 ? '' : 's'} ${names.map((n) => JSON.stringify(n)).join(', ')}`;
}

/**
 * Foreign `text` (from a parser, an evaluator, a provider, the API server, after a secret was substituted into
 * what they worked on) as it may be shown: every whole secret value replaced with `*****` (as upstream), and then, if any part
 * of a secret value of {@link SECRET_FRAGMENT_LENGTH}+ characters is still there (a parser quoting a piece of
 * the secret, a provider quoting a URL), the whole text replaced with `withheld(names)`, which must name the
 * arguments and never quote them.
 */
export function screenSecrets(text: string, screen: SecretScreen, withheld: (names: string) => string): string {
  if (screen.forms.length === 0 || text === '') return text;
  const out = redactSecretForms(text, screen);
  const names = secretArgumentsIn(out, screen);
  return names.length === 0 ? out : withheld(secretArgumentNames(names));
}

/**
 * `text` with every whole secret value (as written, JSON-escaped or URL-encoded) replaced with `*****`, and
 * nothing else changed: for text composed here from parts already screened (a run's message built from its
 * measurements' messages, events), where a fragment check would only find our own words (`interval` shares
 * `nter` with `hunter2`).
 */
export function redactSecretForms(text: string, screen: SecretScreen): string {
  let out = text;
  for (const f of screen.forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
  return out;
}

/** The generic replacement of a message that would show a secret (events, logs, the run's message). */
export const withheldMessage = (names: string): string => `message withheld: it contains part of ${names}, which must stay out of status, events and logs`;

/**
 * Replace every occurrence of each secret value in `message` with `*****`. Empty values are skipped. Longer
 * values are replaced first, so a secret that contains another is hidden whole (upstream's order is a map's).
 */
export function redactSecrets(message: string, secretValues: ReadonlyArray<string>): string {
  let out = message;
  const ordered = [...new Set(secretValues)].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  for (const s of ordered) out = out.split(s).join(REDACTED);
  return out;
}
