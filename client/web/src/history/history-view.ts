// The history view: the document as it was at one revision, in a read-only
// Monaco editor of its own over the live one (which stays mounted and keeps
// receiving edits underneath). Lines that differ in the live document are
// marked (changed lines shaded, a marker where lines were added since), and
// with blame on, each line carries a bar in its author's presence colour and
// each run of lines one label. Monaco I/O only; what to show comes from the
// history panel.

import { monaco } from '../monaco/setup';
import { monacoLanguage } from '../languages';
import { lineDiff, splitLines, summarize, type DiffSummary, type Hunk } from './line-diff';
import type { BlameRun } from './blame-lines';

type Editor = ReturnType<typeof monaco.editor.create>;
type Model = ReturnType<typeof monaco.editor.createModel>;

/** How the live document differs from the revision on screen, in lines. */
export type ChangeSummary = DiffSummary;

export interface BlameLabel {
  text: string;
  colorIndex: number | null;
}

export interface HistoryView {
  /** Shows a revision's content, keeping the scroll position. */
  show(revision: number, text: string): void;
  /** Blame marks for the revision shown (null: none). */
  setBlame(runs: readonly BlameRun[] | null, label: (run: BlameRun) => BlameLabel): void;
  setLanguage(language: string): void;
  /** The text shown (for tests). */
  text(): string;
  /** The line numbers that carry a blame label, with their labels (for tests). */
  blameLabels(): { line: number; text: string }[];
  focus(): void;
  dispose(): void;
}

export function mountHistoryView(opts: {
  container: HTMLElement;
  live: Model;
  language: string;
  onChanges(summary: ChangeSummary): void;
}): HistoryView {
  const model = monaco.editor.createModel('', monacoLanguage(opts.language));
  model.setEOL(monaco.editor.EndOfLineSequence.LF);
  let revision = 0;
  const editor: Editor = monaco.editor.create(opts.container, {
    model,
    automaticLayout: true,
    readOnly: true,
    domReadOnly: true,
    readOnlyMessage: { value: 'This is an earlier revision. Restore it, or go back to live editing to edit.' },
    fontSize: 14,
    fontFamily: "ui-monospace, 'JetBrains Mono', 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    lineDecorationsWidth: 14,
    padding: { top: 12 },
    fixedOverflowWidgets: true,
    ariaLabel: 'The document at an earlier revision (read-only)',
  });
  const changes = editor.createDecorationsCollection();
  const blame = editor.createDecorationsCollection();
  let labels: { line: number; text: string }[] = [];

  // The live document moves on while the view is open: the marks follow it,
  // at most every 400 ms.
  let diffTimer: ReturnType<typeof setTimeout> | null = null;
  const markChanges = () => {
    diffTimer = null;
    const hunks = lineDiff(splitLines(model.getValue()), splitLines(opts.live.getValue()));
    changes.set(hunks.flatMap((h) => hunkDecorations(h, model.getLineCount(), revision)));
    opts.onChanges(summarize(hunks));
  };
  const scheduleChanges = () => {
    if (!diffTimer) diffTimer = setTimeout(markChanges, 400);
  };
  const liveListener = opts.live.onDidChangeContent(scheduleChanges);

  return {
    show(rev, text) {
      revision = rev;
      editor.updateOptions({ ariaLabel: `The document at revision ${rev} (read-only)` });
      if (model.getValue() !== text) {
        const top = editor.getScrollTop();
        blame.clear();
        labels = [];
        model.setValue(text);
        editor.setScrollTop(top, monaco.editor.ScrollType.Immediate);
      }
      if (diffTimer) clearTimeout(diffTimer);
      markChanges();
    },
    setBlame(runs, label) {
      labels = [];
      if (!runs) return blame.clear();
      const decorations: monaco.editor.IModelDeltaDecoration[] = [];
      for (const run of runs) {
        const l = label(run);
        const colour = l.colorIndex === null ? 'cn' : `c${l.colorIndex}`;
        labels.push({ line: run.startLine, text: l.text });
        decorations.push({
          range: new monaco.Range(run.startLine, 1, run.endLine, 1),
          options: {
            isWholeLine: true,
            linesDecorationsClassName: `tandem-blame-bar tandem-blame-${colour}`,
            hoverMessage: { value: `${l.text}, revision ${run.revision}` },
          },
        });
        decorations.push({
          // After the end of the run's first line (the range is the line, so that it is never an empty one).
          range: new monaco.Range(run.startLine, 1, run.startLine, model.getLineMaxColumn(run.startLine)),
          options: { showIfCollapsed: true, after: { content: `${l.text} · r${run.revision}`, inlineClassName: `tandem-blame-label tandem-blame-${colour}` } },
        });
      }
      blame.set(decorations);
    },
    setLanguage(language) {
      monaco.editor.setModelLanguage(model, monacoLanguage(language));
    },
    text: () => model.getValue(),
    blameLabels: () => labels.slice(),
    focus: () => editor.focus(),
    dispose() {
      if (diffTimer) clearTimeout(diffTimer);
      liveListener.dispose();
      changes.clear();
      blame.clear();
      editor.dispose();
      model.dispose();
    },
  };
}

// hunkDecorations marks one difference on the revision's lines: the lines it
// changed or deleted shaded, or, where lines were only added, a marker on the
// line they follow.
function hunkDecorations(h: Hunk, lineCount: number, revision: number): monaco.editor.IModelDeltaDecoration[] {
  const added = h.newEnd - h.newStart;
  if (h.oldEnd > h.oldStart) {
    return [
      {
        range: new monaco.Range(h.oldStart + 1, 1, h.oldEnd, 1),
        options: {
          isWholeLine: true,
          className: 'tandem-changed-line',
          linesDecorationsClassName: 'tandem-changed-gutter',
          overviewRuler: { color: '#bd4b00', position: monaco.editor.OverviewRulerLane.Left },
          hoverMessage: { value: added ? `Changed since revision ${revision}` : `Deleted since revision ${revision}` },
        },
      },
    ];
  }
  const line = Math.max(1, Math.min(h.oldStart, lineCount));
  return [
    {
      range: new monaco.Range(line, 1, line, 1),
      options: {
        isWholeLine: true,
        linesDecorationsClassName: h.oldStart === 0 ? 'tandem-added-before' : 'tandem-added-after',
        overviewRuler: { color: '#18794e', position: monaco.editor.OverviewRulerLane.Left },
        hoverMessage: { value: `${added} line${added === 1 ? '' : 's'} added here since revision ${revision}` },
      },
    },
  ];
}
