/**
 * The nine triggers and templates Argo Rollouts ships (`manifests/notifications`, installed with
 * `notifications-install.yaml`), built in: a ConfigMap may use them without defining them, and a ConfigMap key
 * of the same name (`trigger.on-rollout-completed`, `template.rollout-completed`) replaces the built-in one.
 * Their rendered text is Argo's byte for byte (pinned by the golden tests: test/golden).
 */

/** One Slack attachment field of the shipped templates, laid out as Argo's renders. */
const field = (title: string, value: string): string => `  {\n    "title": "${title}",\n    "value": "${value}",\n    "short": true\n  }`;

const STRATEGY = '{{if .rollout.spec.strategy.blueGreen}}BlueGreen{{end}}{{if .rollout.spec.strategy.canary}}Canary{{end}}';
const STEP = '{{add .rollout.status.currentStepIndex 1}}/{{len .rollout.spec.strategy.canary.steps}}';

/** The attachments: title, colour, the strategy and `extra` fields, then one field per container (name → image). */
const attachments = (color: string, extra: ReadonlyArray<[string, string]>): string => {
  const fields = [field('Strategy', STRATEGY), ...extra.map(([t, v]) => field(t, v))].join(',\n');
  const container = ['    {', '      "title": "{{$c.name}}",', '      "value": "{{$c.image}}",', '      "short": true', '    }'].join('\n');
  return [
    '[{',
    '  "title": "{{ .rollout.metadata.name}}",',
    `  "color": "${color}",`,
    '  "fields": [',
    fields,
    '  {{range $index, $c := .rollout.spec.template.spec.containers}}',
    '    {{if not $index}},{{end}}',
    '    {{if $index}},{{end}}',
    container,
    '  {{end}}',
    '  ]',
    '}]',
    '',
  ].join('\n');
};

const GREEN = '#18be52';
const RED = '#E01E5A';
const YELLOW = '#ECB22E';

interface Builtin {
  readonly trigger: string;
  readonly template: string;
  readonly message: string;
  readonly color: string;
  readonly extra: ReadonlyArray<[string, string]>;
}

const NAME = '{{.rollout.metadata.name}}';

const BUILTINS: ReadonlyArray<Builtin> = [
  { trigger: 'on-rollout-completed', template: 'rollout-completed', message: `Rollout ${NAME} has been completed.`, color: GREEN, extra: [] },
  {
    trigger: 'on-scaling-replica-set',
    template: 'scaling-replicaset',
    message: `Scaling Rollout ${NAME}'s replicaset to {{.rollout.spec.replicas}}.`,
    color: GREEN,
    extra: [
      ['Desired replica', '{{.rollout.spec.replicas}}'],
      ['Updated replicas', '{{.rollout.status.updatedReplicas}}'],
    ],
  },
  {
    trigger: 'on-rollout-step-completed',
    template: 'rollout-step-completed',
    message: `Rollout ${NAME} step number ${STEP} has been completed.`,
    color: GREEN,
    extra: [['Step completed', STEP]],
  },
  { trigger: 'on-rollout-updated', template: 'rollout-updated', message: `Rollout ${NAME} has been updated.`, color: GREEN, extra: [] },
  { trigger: 'on-rollout-aborted', template: 'rollout-aborted', message: `Rollout ${NAME} has been aborted.`, color: RED, extra: [] },
  { trigger: 'on-rollout-paused', template: 'rollout-paused', message: `Rollout ${NAME} has been paused.`, color: GREEN, extra: [] },
  { trigger: 'on-analysis-run-running', template: 'analysis-run-running', message: `Rollout ${NAME}'s analysis run is running.`, color: GREEN, extra: [] },
  { trigger: 'on-analysis-run-error', template: 'analysis-run-error', message: `Rollout ${NAME}'s analysis run is in error state.`, color: YELLOW, extra: [] },
  { trigger: 'on-analysis-run-failed', template: 'analysis-run-failed', message: `Rollout ${NAME}'s analysis run failed.`, color: RED, extra: [] },
];

/** A template as the ConfigMap's YAML gives it: `message` and per-service blocks. */
export type TemplateSource = Readonly<Record<string, unknown>>;

/** The built-in templates, by name. */
export const BUILTIN_TEMPLATES: ReadonlyMap<string, TemplateSource> = new Map(
  BUILTINS.map((b) => [b.template, { message: b.message, email: { subject: b.message }, slack: { attachments: attachments(b.color, b.extra) } }]),
);

/** The built-in triggers, by name: each sends its template on the event (no `when`). */
export const BUILTIN_TRIGGERS: ReadonlyMap<string, ReadonlyArray<{ readonly when: string; readonly send: ReadonlyArray<string> }>> = new Map(
  BUILTINS.map((b) => [b.trigger, [{ when: '', send: [b.template] }]]),
);
