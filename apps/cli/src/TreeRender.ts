/**
 * Rendering `get` output as text: the header (`Name:`, `Status:`... each label in 17 columns) and the tree
 * (`NAME KIND STATUS AGE INFO`, branches drawn with `├──`, `│  `, `└──`), optionally in colour. Pure: the
 * time comes in as `nowMs`.
 */
import type { Palette } from './Colors';
import { age } from './HumanDuration';
import type { ImageLine, ObjectSummary, RolloutSummary, TreeNode } from './RolloutTree';
import type { StatusCell } from './StatusIcons';
import { alignColumns } from './Table';

const LABEL_WIDTH = 17;
const field = (label: string, value: string) => `${`${label}:`.padEnd(LABEL_WIDTH)}${value}`.replace(/ +$/, '');
const status = (s: StatusCell, p: Palette) => `${p.icon(s.icon)} ${s.text}`;

function imageLines(images: readonly ImageLine[], p: Palette): string[] {
  if (images.length === 0) return [field('Images', '')];
  return images.map((im, i) => {
    const tags = im.tags.length > 0 ? ` (${im.tags.map((t) => p.tag(t)).join(', ')})` : '';
    return i === 0 ? field('Images', `${im.image}${tags}`) : `${' '.repeat(LABEL_WIDTH)}${im.image}${tags}`;
  });
}

/** The header of `get rollout`. */
export function renderRolloutSummary(s: RolloutSummary, p: Palette): string[] {
  const lines = [field('Name', s.name), field('Namespace', s.namespace), field('Status', status(s.status, p))];
  if (s.message !== '') lines.push(field('Message', s.message));
  lines.push(field('Strategy', s.strategy));
  if (s.strategy === 'Canary') {
    lines.push(field('  Step', s.step ?? ''));
    lines.push(field('  SetWeight', s.setWeight ?? ''));
    lines.push(field('  ActualWeight', s.actualWeight ?? ''));
  }
  lines.push(...imageLines(s.images, p));
  lines.push('Replicas:');
  lines.push(field('  Desired', String(s.replicas.desired)));
  lines.push(field('  Current', String(s.replicas.current)));
  lines.push(field('  Updated', String(s.replicas.updated)));
  lines.push(field('  Ready', String(s.replicas.ready)));
  lines.push(field('  Available', String(s.replicas.available)));
  return lines;
}

/** The header of `get experiment` and `get analysisrun`. */
export function renderObjectSummary(s: ObjectSummary, p: Palette): string[] {
  const lines = [field('Name', s.name), field('Namespace', s.namespace), field('Status', status(s.status, p))];
  if (s.message !== '') lines.push(field('Message', s.message));
  if (s.images.length > 0) lines.push(...imageLines(s.images, p));
  if (s.metrics.length > 0) {
    lines.push('Metrics:');
    for (const m of s.metrics) lines.push(field(`  ${m.name}`, `${status(m.status, p)}${m.counts !== '' ? `  ${m.counts}` : ''}${m.lastValue !== undefined ? `  last value: ${m.lastValue}` : ''}`));
  }
  return lines;
}

/** The tree as aligned rows, with the column header. */
export function renderTree(root: TreeNode, nowMs: number, p: Palette): string[] {
  const rows: string[][] = [['NAME', 'KIND', 'STATUS', 'AGE', 'INFO']];
  const visit = (node: TreeNode, prefix: string, branch: string) => {
    const tag = node.tags[0];
    const name = tag !== undefined ? p.tag(tag, node.name) : node.name;
    const info = node.tags.length > 0 ? node.info.split(',').map((t) => p.tag(t)).join(',') : node.info;
    rows.push([`${prefix}${branch}${node.glyph} ${name}`, node.kind, node.status !== undefined ? status(node.status, p) : '', age(node.created, nowMs), info]);
    const childPrefix = branch === '' ? prefix : `${prefix}${branch === '└──' ? '   ' : '│  '}`;
    node.children.forEach((c, i) => visit(c, childPrefix, i === node.children.length - 1 ? '└──' : '├──'));
  };
  visit(root, '', '');
  return alignColumns(rows);
}
