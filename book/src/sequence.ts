// Sequence diagrams, written in the markdown as a fenced ```sequence block and drawn at build time
// as inline SVG (no browser, no network). On GitHub the block stays readable as plain text.
//
//   title: The opening handshake
//   participant C as Client
//   participant S as Server
//   C -> S: GET / HTTP/1.1\nUpgrade: websocket      a message (\n breaks the label)
//   S --> C: 101 Switching Protocols                a reply or automatic message (dashed)
//   S -x C: dropped                                 a message that never arrives
//   S -> S: check the key                           a message to itself
//   note over C,S: frames from now on               also: note left of C / note right of S
//   ... 500 ms later ...                            a gap in time
//   == the closing handshake ==                     a divider between phases
//   # a comment
import { esc } from './html.ts';

export class SequenceSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
  }
}

interface Participant {
  id: string;
  label: string[];
}

type Step =
  | { kind: 'message'; from: number; to: number; label: string[]; style: 'solid' | 'dashed' | 'lost' }
  | { kind: 'note'; from: number; to: number; place: 'over' | 'left' | 'right'; label: string[] }
  | { kind: 'gap'; label: string[] }
  | { kind: 'divider'; label: string[] };

export interface SequenceDiagram {
  title: string | undefined;
  participants: Participant[];
  steps: Step[];
}

const lines = (text: string): string[] => text.split(/\\n/).map((part) => part.trim());

/** Parses the diagram language; throws SequenceSyntaxError naming the line on a mistake. */
export function parseSequence(source: string): SequenceDiagram {
  const participants: Participant[] = [];
  const steps: Step[] = [];
  let title: string | undefined;
  const index = (id: string): number => {
    let at = participants.findIndex((p) => p.id === id);
    if (at < 0) at = participants.push({ id, label: [id] }) - 1;
    return at;
  };

  source.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let m: RegExpExecArray | null;
    if ((m = /^title\s*:\s*(.+)$/i.exec(line))) {
      title = m[1]!.trim();
    } else if ((m = /^participant\s+([^\s:]+)(?:\s+as\s+(.+))?$/i.exec(line))) {
      const id = m[1]!;
      if (participants.some((p) => p.id === id)) throw new SequenceSyntaxError(`participant "${id}" is declared twice`, lineNo);
      participants.push({ id, label: lines(m[2] ?? id) });
    } else if ((m = /^note\s+(over|left of|right of)\s+([^:]+?)\s*:\s*(.+)$/i.exec(line))) {
      const place = m[1]!.toLowerCase().split(' ')[0] as 'over' | 'left' | 'right';
      const ids = m[2]!.split(',').map((id) => id.trim()).filter(Boolean);
      if (ids.length === 0 || ids.length > 2 || (place !== 'over' && ids.length !== 1)) {
        throw new SequenceSyntaxError('a note goes over one or two participants ("note over A,B: …"), or left/right of one', lineNo);
      }
      const columns = ids.map(index);
      steps.push({ kind: 'note', place, from: Math.min(...columns), to: Math.max(...columns), label: lines(m[3]!) });
    } else if ((m = /^\.\.\.\s*(.*?)\s*(?:\.\.\.)?$/.exec(line))) {
      steps.push({ kind: 'gap', label: m[1] ? lines(m[1]) : [] });
    } else if ((m = /^==\s*(.*?)\s*==$/.exec(line))) {
      steps.push({ kind: 'divider', label: lines(m[1]!) });
    } else if ((m = /^([^\s:-]+)\s*(-->|->|-x)\s*([^\s:]+)\s*:\s*(.*)$/.exec(line))) {
      const style = m[2] === '-->' ? 'dashed' : m[2] === '-x' ? 'lost' : 'solid';
      steps.push({ kind: 'message', from: index(m[1]!), to: index(m[3]!), style, label: lines(m[4]!) });
    } else {
      throw new SequenceSyntaxError(`cannot read "${line}". Expected "A -> B: text", "note over A: text", "participant A as Label", "... text ..." or "== text ==".`, lineNo);
    }
  });
  if (participants.length === 0) throw new SequenceSyntaxError('the diagram has no participants', 1);
  return { title, participants, steps };
}

// ---- layout -------------------------------------------------------------------------------

const FONT = 13;
const LINE = 17;
const BOX_H = 34;
const MARGIN = 12;
const SELF_W = 36;

/** Text width estimate for the sans-serif font at 13px: wide for CJK, per-class for Latin. */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x1100 && (code <= 0x115f || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) || code >= 0x1f300)) width += FONT;
    else if ('iljI.,:;\'|!`()[] '.includes(ch)) width += 4;
    else if ('mwMW@%'.includes(ch)) width += 11;
    else if (/[A-Z]/.test(ch)) width += 8.6;
    else width += 7.1;
  }
  return Math.ceil(width);
}

const labelWidth = (label: string[]): number => Math.max(0, ...label.map(textWidth));

/** Renders the diagram as an SVG string that follows the page's colours (currentColor and CSS classes). */
export function renderSequence(source: string): string {
  const diagram = parseSequence(source);
  const { participants, steps } = diagram;
  const n = participants.length;
  // Actor names are bold: a little wider than the estimate.
  const boxW = participants.map((p) => Math.max(88, Math.ceil(labelWidth(p.label) * 1.1) + 30));

  // Horizontal: gap[k] is the distance between the lifelines of participants k and k+1.
  const gap = Array.from({ length: Math.max(0, n - 1) }, (_, k) => boxW[k]! / 2 + boxW[k + 1]! / 2 + 28);
  let leftExtra = 0;
  let rightExtra = 0;
  const need = (from: number, to: number, width: number): void => {
    if (from === to) return;
    const have = gap.slice(from, to).reduce((a, b) => a + b, 0);
    if (have >= width) return;
    const each = (width - have) / (to - from);
    for (let k = from; k < to; k++) gap[k]! += each;
  };
  const spans = steps
    .filter((s): s is Extract<Step, { from: number }> => s.kind === 'message' || s.kind === 'note')
    .sort((a, b) => Math.abs(a.to - a.from) - Math.abs(b.to - b.from));
  for (const step of spans) {
    const w = labelWidth(step.label);
    if (step.kind === 'message') {
      if (step.from === step.to) {
        if (step.from < n - 1) need(step.from, step.from + 1, SELF_W + w + 24);
        else rightExtra = Math.max(rightExtra, SELF_W + w + 16 - boxW[step.from]! / 2);
      } else {
        need(Math.min(step.from, step.to), Math.max(step.from, step.to), w + 36);
      }
    } else if (step.place === 'over') {
      if (step.from === step.to) {
        const half = (w + 24) / 2;
        if (step.from > 0) need(step.from - 1, step.from, half + boxW[step.from - 1]! / 2);
        else leftExtra = Math.max(leftExtra, half - boxW[0]! / 2);
        if (step.from < n - 1) need(step.from, step.from + 1, half + boxW[step.from + 1]! / 2);
        else rightExtra = Math.max(rightExtra, half - boxW[n - 1]! / 2);
      } else {
        need(step.from, step.to, w);
      }
    } else if (step.place === 'right') {
      if (step.from < n - 1) need(step.from, step.from + 1, w + 24 + 14);
      else rightExtra = Math.max(rightExtra, w + 24 + 10 - boxW[n - 1]! / 2);
    } else {
      if (step.from > 0) need(step.from - 1, step.from, w + 24 + 14);
      else leftExtra = Math.max(leftExtra, w + 24 + 10 - boxW[0]! / 2);
    }
  }
  const xs: number[] = [];
  let x = MARGIN + leftExtra + boxW[0]! / 2;
  for (let k = 0; k < n; k++) {
    xs.push(Math.round(x));
    x += gap[k] ?? 0;
  }
  const width = Math.ceil(xs[n - 1]! + boxW[n - 1]! / 2 + rightExtra + MARGIN);

  // Vertical: one row per step under the participant boxes.
  const out: string[] = [];
  const headH = BOX_H + (Math.max(...participants.map((p) => p.label.length)) - 1) * LINE;
  let y = MARGIN + headH + 14;
  const text = (tx: number, ty: number, label: string[], anchor: string, cls: string): string =>
    label.map((part, i) => `<text x="${tx}" y="${ty + i * LINE}" text-anchor="${anchor}" class="${cls}">${esc(part)}</text>`).join('');

  for (const step of steps) {
    const h = step.label.length * LINE;
    if (step.kind === 'message') {
      const x1 = xs[step.from]!;
      const x2 = xs[step.to]!;
      const dash = step.style === 'dashed' ? ' stroke-dasharray="6 4"' : '';
      if (x1 === x2) {
        out.push(text(x1 + 8, y + FONT, step.label, 'start', 'seq-label'));
        const top = y + h + 4;
        out.push(`<path d="M${x1} ${top} h${SELF_W} v18 h${-SELF_W + 8}" class="seq-line" fill="none" stroke="currentColor"${dash}/>`);
        out.push(arrowHead(x1, top + 18, -1));
        y += h + 40;
      } else {
        const dir = x2 > x1 ? 1 : -1;
        const mid = (x1 + x2) / 2;
        out.push(text(mid, y + FONT, step.label, 'middle', 'seq-label'));
        const ly = y + h + 8;
        if (step.style === 'lost') {
          const end = x2 - dir * 30;
          out.push(`<line x1="${x1}" y1="${ly}" x2="${end}" y2="${ly}" class="seq-line" stroke="currentColor"/>`);
          out.push(`<path d="M${end - 6} ${ly - 6} l12 12 M${end - 6} ${ly + 6} l12 -12" class="seq-lost" stroke="currentColor" stroke-width="2"/>`);
        } else {
          out.push(`<line x1="${x1}" y1="${ly}" x2="${x2 - dir * 2}" y2="${ly}" class="seq-line" stroke="currentColor"${dash}/>`);
          out.push(arrowHead(x2, ly, dir));
        }
        y += h + 22;
      }
    } else if (step.kind === 'note') {
      const w = labelWidth(step.label) + 24;
      let left: number;
      let right: number;
      if (step.place === 'over') {
        left = Math.min(xs[step.from]! - 14, (xs[step.from]! + xs[step.to]!) / 2 - w / 2);
        right = Math.max(xs[step.to]! + 14, left + w);
        if (step.from === step.to) {
          left = xs[step.from]! - w / 2;
          right = left + w;
        }
      } else if (step.place === 'right') {
        left = xs[step.from]! + 10;
        right = left + w;
      } else {
        right = xs[step.from]! - 10;
        left = right - w;
      }
      out.push(`<rect x="${Math.round(left)}" y="${y}" width="${Math.round(right - left)}" height="${h + 12}" rx="4" class="seq-note"/>`);
      out.push(text((left + right) / 2, y + 6 + FONT, step.label, 'middle', 'seq-note-text'));
      y += h + 24;
    } else if (step.kind === 'gap') {
      out.push(`<g class="seq-gap"><line x1="${MARGIN}" y1="${y + 10}" x2="${width - MARGIN}" y2="${y + 10}" stroke="currentColor" stroke-dasharray="2 5"/>`);
      if (step.label.length) {
        const w = labelWidth(step.label) + 16;
        out.push(`<rect x="${width / 2 - w / 2}" y="${y + 1}" width="${w}" height="${h + 2}" class="seq-gap-bg"/>`);
        out.push(text(width / 2, y + FONT + 1, step.label, 'middle', 'seq-gap-text'));
      }
      out.push('</g>');
      y += Math.max(h, LINE) + 14;
    } else {
      const w = labelWidth(step.label) + 20;
      out.push(`<line x1="${MARGIN}" y1="${y + h / 2 + 4}" x2="${width - MARGIN}" y2="${y + h / 2 + 4}" class="seq-divider" stroke="currentColor"/>`);
      out.push(`<rect x="${width / 2 - w / 2}" y="${y - 2}" width="${w}" height="${h + 10}" rx="4" class="seq-divider-bg"/>`);
      out.push(text(width / 2, y + FONT + 2, step.label, 'middle', 'seq-divider-text'));
      y += h + 22;
    }
  }
  const bottom = y + 4;
  const height = bottom + MARGIN;

  const heads = participants.map((p, k) => {
    const bx = xs[k]! - boxW[k]! / 2;
    const ty = MARGIN + headH / 2 + FONT / 2 - 2 - ((p.label.length - 1) * LINE) / 2;
    return `<line x1="${xs[k]}" y1="${MARGIN + headH}" x2="${xs[k]}" y2="${bottom}" class="seq-lifeline" stroke="currentColor"/>` +
      `<rect x="${bx}" y="${MARGIN}" width="${boxW[k]}" height="${headH}" rx="6" class="seq-actor"/>` +
      text(xs[k]!, ty, p.label, 'middle', 'seq-actor-text');
  });
  const title = diagram.title ? `<title>${esc(diagram.title)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="seq" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"${diagram.title ? ` aria-label="${esc(diagram.title)}"` : ''} font-size="${FONT}">${title}${heads.join('')}${out.join('')}</svg>`;
}

function arrowHead(x: number, y: number, dir: number): string {
  return `<path d="M${x} ${y} l${-dir * 9} -4.5 v9 z" class="seq-head" fill="currentColor"/>`;
}

/** The diagram's title, if it has one (used as the figure's caption). */
export function sequenceTitle(source: string): string | undefined {
  return parseSequence(source).title;
}
