// mountRoom: builds the live editor for one room inside a DOM element —
// Monaco editor and model, EditorBinding, RemoteCursors, RoomSession — and
// wires them to each other and to the store. Everything with I/O for a room
// is created here and torn down by dispose().

import { monaco } from '../monaco/setup';
import { registerAutocomplete } from '../monaco/autocomplete';
import { routeUndoRedo } from '../monaco/undo-routing';
import { EditorBinding, type ViewLike } from '../editor/binding';
import { RemoteCursors } from '../editor/remote-cursors';
import { RoomSession, type OpenSocket } from './room-session';
import { api, ApiError } from '../net/api';
import { indexedDbPending } from './pending-store';
import { socketURL } from '../net/protocol';
import { monacoLanguage } from '../languages';
import type { AppDispatch } from '../store/store';
import { mountHistoryView, type ChangeSummary, type HistoryView } from '../history/history-view';

export interface MountedRoom {
  session: RoomSession;
  setLanguage(language: string): void;
  /** The store's room.readOnly changed: the editor follows it. */
  readOnlyChanged(): void;
  setTheme(dark: boolean): void;
  rename(name: string): void;
  /** Scrolls to a person's caret and flashes its label; false if it is not known. */
  reveal(clientId: string): boolean;
  /** Keeps a person's caret in view as it moves (null: stop following). */
  follow(clientId: string | null): void;
  /** The document as it is now (null before it is loaded). */
  text(): string | null;
  /** The revision of the document shown (the last server revision applied). */
  revision(): number;
  /**
   * Opens the history view in a container over the editor; the live
   * document goes on underneath, and the view marks how it differs.
   */
  openHistory(container: HTMLElement, onChanges: (summary: ChangeSummary) => void): HistoryView;
  focus(): void;
  dispose(): void;
}

export interface TandemTestHooks {
  getText(): string;
  getModelText(): string;
  getRevision(): number;
  isSynchronized(): boolean;
  /** The document is loaded and the editor accepts typing. */
  isEditable(): boolean;
  remoteCursorCount(): number;
  dropConnection(): void;
  clientId(): string | null;
  /** Runs Monaco's own 'undo' command (as a menu would), to check it is routed to the OT undo. */
  monacoUndo(): void;
  /** The text of the first visible line and of the caret's line, to check remote edits leave the view alone. */
  viewState(): { topLine: string; caretLine: string; caretColumn: number };
  /** The line numbers on screen. */
  visibleLines(): number[];
  /** Scrolls so that a line is the first visible one, and puts the caret on it. */
  scrollToLine(line: number): void;
  /** The history view's text, null while it is closed. */
  historyText(): string | null;
  /** The history view's blame labels by line. */
  historyBlame(): { line: number; text: string }[];
}

declare global {
  interface Window {
    __tandem?: TandemTestHooks;
  }
}

const openWebSocket: OpenSocket = (roomId, name, h) => {
  const ws = new WebSocket(socketURL(roomId, name));
  ws.onopen = () => h.onOpen();
  ws.onmessage = (ev) => {
    if (typeof ev.data === 'string') h.onMessage(ev.data);
  };
  ws.onclose = (ev) => h.onClose(ev.code);
  return {
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    close: () => {
      // Report the close at once: the browser may take long to finish the handshake.
      ws.onclose = null;
      ws.onmessage = null;
      ws.close();
      h.onClose(1000);
    },
  };
};

export function mountRoom(opts: {
  container: HTMLElement;
  roomId: string;
  name: string;
  language: string;
  /** The store's room.readOnly, the one place read-only is decided. */
  isReadOnly(): boolean;
  dark: boolean;
  dispatch: AppDispatch;
  /** A participant's colour index (from the store). */
  colorOf(clientId: string): number;
}): MountedRoom {
  let roomLanguage = opts.language;
  registerAutocomplete(monaco, () => roomLanguage);
  monaco.editor.setTheme(opts.dark ? 'vs-dark' : 'vs');
  const model = monaco.editor.createModel('', monacoLanguage(opts.language));
  model.setEOL(monaco.editor.EndOfLineSequence.LF);
  const editor = monaco.editor.create(opts.container, {
    model,
    automaticLayout: true,
    readOnly: true, // until the document is loaded
    fontSize: 14,
    fontFamily: "ui-monospace, 'JetBrains Mono', 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    renderLineHighlight: 'line',
    smoothScrolling: false,
    tabSize: 4,
    padding: { top: 12 },
    fixedOverflowWidgets: true,
    readOnlyMessage: { value: 'This is a read-only link.' },
    ariaLabel: 'Document. Press Control+M, then Tab, to move focus out of the editor.',
  });
  let settingSelections = false;
  const view: ViewLike = {
    getSelections: () =>
      (editor.getSelections() ?? []).map((s) => ({
        anchor: { lineNumber: s.selectionStartLineNumber, column: s.selectionStartColumn },
        head: { lineNumber: s.positionLineNumber, column: s.positionColumn },
      })),
    setSelections: (sels) => {
      if (!sels.length) return;
      settingSelections = true;
      try {
        editor.setSelections(sels.map((s) => new monaco.Selection(s.anchor.lineNumber, s.anchor.column, s.head.lineNumber, s.head.column)));
      } finally {
        settingSelections = false;
      }
    },
    getScrollAnchor: () => {
      const ranges = editor.getVisibleRanges();
      if (!ranges.length) return null;
      const lineNumber = ranges[0].startLineNumber;
      return { lineNumber, delta: editor.getScrollTop() - editor.getTopForLineNumber(lineNumber) };
    },
    setScrollAnchor: (a) => editor.setScrollTop(editor.getTopForLineNumber(a.lineNumber) + a.delta, monaco.editor.ScrollType.Immediate),
    revealOffset: (p) => editor.revealPositionInCenterIfOutsideViewport(p),
  };

  let session: RoomSession;
  let loaded = false;
  let disposed = false;
  const binding = new EditorBinding(model, { onLocalOperation: (op) => session.localOperation(op) });
  binding.view = view;
  const cursors = new RemoteCursors(monaco, editor, model, opts.colorOf);

  session = new RoomSession({
    roomId: opts.roomId,
    name: opts.name,
    binding,
    presence: cursors,
    openSocket: openWebSocket,
    fetchOps: (id, from) => api.getOps(id, from),
    dispatch: opts.dispatch,
    isReadOnly: opts.isReadOnly,
    onInit: () => {
      loaded = true;
      editor.updateOptions({ readOnly: opts.isReadOnly() });
    },
    pendingStore: indexedDbPending,
    roomExists: (id) =>
      api.getRoom(id).then(
        () => true,
        (e) => !(e instanceof ApiError && e.status === 404),
      ),
  });

  const disposables = [
    editor.onDidChangeCursorSelection((e) => {
      // Moves caused by remote edits are not news: the others transform our
      // selection by the same operation.
      const byEdit =
        e.reason === monaco.editor.CursorChangeReason.RecoverFromMarkers || e.reason === monaco.editor.CursorChangeReason.ContentFlush;
      if (!settingSelections && !byEdit) session.selectionChanged();
    }),
  ];

  // Undo and redo go through the OT undo manager: own edits only. The key
  // bindings are direct; menus and the command palette reach the same place
  // through routeUndoRedo.
  const undo = () => void binding.undo();
  const redo = () => void binding.redo();
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyZ, undo);
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.KeyZ, redo);
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyY, redo);
  disposables.push(routeUndoRedo(editor, { undo, redo }));

  let history: HistoryView | null = null;
  let following: string | null = null;
  const reveal = (clientId: string): boolean => {
    const at = cursors.caretOf(clientId);
    if (at === null) return false;
    editor.revealPositionInCenterIfOutsideViewport(model.getPositionAt(at), monaco.editor.ScrollType.Smooth);
    return true;
  };

  const onOnline = () => session.reconnectNow();
  window.addEventListener('online', onOnline);

  // Edits an earlier page left pending come back first (and are resubmitted
  // once connected); then the session starts.
  let started = false;
  void indexedDbPending.load(opts.roomId).then((saved) => {
    if (disposed) return;
    if (saved && !opts.isReadOnly()) session.restore(saved);
    started = true;
    session.start();
  });
  // Leaving with edits still unacknowledged asks first (they are kept in
  // IndexedDB too, but the user should know).
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!session.hasPending) return;
    e.preventDefault();
    e.returnValue = '';
  };
  window.addEventListener('beforeunload', onBeforeUnload);

  const hooks: TandemTestHooks = {
    getText: () => binding.text,
    getModelText: () => model.getValue(),
    getRevision: () => session.revision,
    isSynchronized: () => session.synchronized,
    isEditable: () => loaded && !editor.getOption(monaco.editor.EditorOption.readOnly),
    remoteCursorCount: () => cursors.count,
    dropConnection: () => session.dropConnection(),
    clientId: () => session.clientId,
    monacoUndo: () => editor.trigger('test', 'undo', null),
    viewState: () => {
      const top = editor.getVisibleRanges()[0]?.startLineNumber ?? 1;
      const pos = editor.getPosition() ?? { lineNumber: 1, column: 1 };
      return { topLine: model.getLineContent(top), caretLine: model.getLineContent(pos.lineNumber), caretColumn: pos.column };
    },
    visibleLines: () => editor.getVisibleRanges().flatMap((r) => Array.from({ length: r.endLineNumber - r.startLineNumber + 1 }, (_, i) => r.startLineNumber + i)),
    scrollToLine: (line) => {
      editor.setScrollTop(editor.getTopForLineNumber(line), monaco.editor.ScrollType.Immediate);
      editor.setPosition({ lineNumber: line, column: 3 });
    },
    historyText: () => history?.text() ?? null,
    historyBlame: () => history?.blameLabels() ?? [],
  };
  window.__tandem = hooks;

  return {
    session,
    setLanguage(language) {
      roomLanguage = language;
      monaco.editor.setModelLanguage(model, monacoLanguage(language));
      history?.setLanguage(language);
    },
    readOnlyChanged() {
      if (loaded) editor.updateOptions({ readOnly: opts.isReadOnly() });
    },
    setTheme(dark) {
      monaco.editor.setTheme(dark ? 'vs-dark' : 'vs');
    },
    rename(name) {
      session.rename(name);
    },
    text() {
      return loaded ? binding.text : null;
    },
    revision: () => session.revision,
    openHistory(container, onChanges) {
      history?.dispose();
      const view = mountHistoryView({ container, live: model, language: roomLanguage, onChanges });
      history = {
        ...view,
        dispose() {
          view.dispose();
          if (history === this) history = null;
        },
      };
      return history;
    },
    reveal,
    follow(clientId) {
      following = clientId;
      cursors.onMoved = clientId ? (id) => id === following && reveal(id) : null;
      if (clientId) reveal(clientId);
    },
    focus() {
      editor.focus();
    },
    dispose() {
      disposed = true;
      window.removeEventListener('online', onOnline);
      window.removeEventListener('beforeunload', onBeforeUnload);
      if (started) session.stop();
      history?.dispose();
      for (const d of disposables) d.dispose();
      cursors.dispose();
      binding.dispose();
      editor.dispose();
      model.dispose();
      if (window.__tandem === hooks) delete window.__tandem;
    },
  };
}
