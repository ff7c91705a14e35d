// A Monaco completion provider backed by POST /api/autocomplete, registered
// once for every room language that Monaco has no language service for
// (JavaScript and TypeScript have Monaco's own, which knows more: two
// providers would list every keyword twice).

import type * as Monaco from 'monaco-esm/editor/editor.api';
import { api } from '../net/api';
import { LANGUAGES } from '../languages';
import { isMemberAccess, refineSuggestions } from './suggestions';

/** Monaco languages with a language service of their own (setup.ts loads it). */
const ownService = new Set(['javascript', 'typescript']);

let registered = false;

export function registerAutocomplete(monaco: typeof Monaco, roomLanguage: () => string): void {
  if (registered) return;
  registered = true;
  const kinds: Record<string, Monaco.languages.CompletionItemKind> = {
    keyword: monaco.languages.CompletionItemKind.Keyword,
    snippet: monaco.languages.CompletionItemKind.Snippet,
    identifier: monaco.languages.CompletionItemKind.Variable,
  };
  const ids = [...new Set(LANGUAGES.map((l) => l.monaco))].filter((id) => !ownService.has(id));
  for (const id of ids) {
    monaco.languages.registerCompletionItemProvider(id, {
      async provideCompletionItems(model, position, _context, token) {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const suggestions = await api.autocomplete(
            { language: roomLanguage(), content: model.getValue(), offset: model.getOffsetAt(position) },
            controller.signal,
          );
          const word = model.getWordUntilPosition(position);
          const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
          const memberAccess = isMemberAccess(model.getLineContent(position.lineNumber), word.startColumn);
          return {
            suggestions: refineSuggestions(suggestions, memberAccess).map((s, i) => ({
              label: s.label,
              insertText: s.insertText,
              kind: kinds[s.kind] ?? monaco.languages.CompletionItemKind.Text,
              detail: s.detail,
              insertTextRules: s.kind === 'snippet' ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
              range,
              sortText: String(i).padStart(4, '0'),
            })),
          };
        } catch {
          return { suggestions: [] };
        } finally {
          sub.dispose();
        }
      },
    });
  }
}
