// Blame by line: the server's blame (GET /api/rooms/{id}/blame) says which
// revision inserted each UTF-16 range of the document; a line was last
// changed by the latest revision among the characters on it, not counting its
// line break (Enter at the end of a line inserts the break that ends that
// line, and the line is no one's new work), except on an empty line, which is
// only its break. Consecutive lines last changed by one revision form a run,
// which the history view labels once.

import type { BlameSpan } from '../net/protocol';

export interface LineBlame {
  revision: number;
  clientId: string;
}

/** A run of lines [startLine, endLine] (1-based, inclusive) that one revision last changed. */
export interface BlameRun extends LineBlame {
  startLine: number;
  endLine: number;
}

/**
 * The blame of each line of text (index 0 is line 1), null for a line with
 * no characters at all (the empty last line after a final line break). The
 * spans must be in order and cover the text exactly, as the server's do;
 * spans that do not are an error, not a guess.
 */
export function blameLines(text: string, spans: readonly BlameSpan[]): (LineBlame | null)[] {
  let covered = 0;
  for (const s of spans) {
    if (s.start !== covered || s.end <= s.start) throw new Error(`blame spans do not cover the document: [${s.start}, ${s.end}) after ${covered}`);
    covered = s.end;
  }
  if (covered !== text.length) throw new Error(`blame spans cover ${covered} of ${text.length} characters`);
  const out: (LineBlame | null)[] = [];
  let si = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    // The line's characters, or its break alone when it has none.
    const end = nl === -1 ? text.length : nl > start ? nl : nl + 1;
    let best: BlameSpan | null = null;
    while (si < spans.length && spans[si].end <= start) si++;
    for (let j = si; j < spans.length && spans[j].start < end; j++) if (!best || spans[j].revision > best.revision) best = spans[j];
    out.push(best && end > start ? { revision: best.revision, clientId: best.clientId } : null);
    if (nl === -1) break;
    start = nl + 1;
  }
  return out;
}

/** Groups consecutive lines with one revision into runs; lines without blame start no run. */
export function blameRuns(lines: readonly (LineBlame | null)[]): BlameRun[] {
  const runs: BlameRun[] = [];
  lines.forEach((b, i) => {
    if (!b) return;
    const last = runs[runs.length - 1];
    if (last && last.endLine === i && last.revision === b.revision && last.clientId === b.clientId) last.endLine = i + 1;
    else runs.push({ ...b, startLine: i + 1, endLine: i + 1 });
  });
  return runs;
}
