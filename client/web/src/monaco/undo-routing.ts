// Routes every way of asking Monaco for undo/redo — keyboard, command
// palette, menus — to the OT undo manager of the editor concerned, so
// Monaco's own model undo (which would revert remote edits too) never runs
// for a tandem editor. It adds a top-priority implementation to Monaco's
// internal 'undo' and 'redo' commands, above Monaco's own 'code-editor'
// implementation (priority 10000), which would call model.undo().

import type * as Monaco from 'monaco-esm/editor/editor.api';
import { RedoCommand, UndoCommand } from 'monaco-esm/editor/browser/editorExtensions';

interface Handlers {
  undo(): void;
  redo(): void;
}

const editors = new Map<Monaco.editor.ICodeEditor, Handlers>();
let installed = false;

function target(): Handlers | undefined {
  for (const [editor, h] of editors) if (editor.hasWidgetFocus()) return h;
  // Not focused (a menu has focus): with one editor on the page, it is the one.
  return editors.size === 1 ? editors.values().next().value : undefined;
}

export function routeUndoRedo(editor: Monaco.editor.ICodeEditor, handlers: Handlers): Monaco.IDisposable {
  if (!installed) {
    installed = true;
    UndoCommand.addImplementation(20_000, 'tandem-ot-undo', () => {
      const h = target();
      h?.undo();
      return !!h;
    });
    RedoCommand.addImplementation(20_000, 'tandem-ot-redo', () => {
      const h = target();
      h?.redo();
      return !!h;
    });
  }
  editors.set(editor, handlers);
  return { dispose: () => void editors.delete(editor) };
}
