// Types for the few Monaco internals the app uses (not in editor.api.d.ts).
declare module 'monaco-esm/editor/browser/editorExtensions' {
  interface MultiCommand {
    addImplementation(priority: number, name: string, implementation: (accessor: unknown, args: unknown) => boolean | Promise<void>): { dispose(): void };
  }
  export const UndoCommand: MultiCommand;
  export const RedoCommand: MultiCommand;
}
