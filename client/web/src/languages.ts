// The languages a room can have: the server's autocomplete languages.
// `monaco` is the Monaco language id used for highlighting.

export interface Language {
  id: string;
  label: string;
  monaco: string;
}

export const LANGUAGES: Language[] = [
  { id: 'plaintext', label: 'Plain text', monaco: 'plaintext' },
  { id: 'c', label: 'C', monaco: 'c' },
  { id: 'cpp', label: 'C++', monaco: 'cpp' },
  { id: 'go', label: 'Go', monaco: 'go' },
  { id: 'java', label: 'Java', monaco: 'java' },
  { id: 'javascript', label: 'JavaScript', monaco: 'javascript' },
  { id: 'python', label: 'Python', monaco: 'python' },
  { id: 'rust', label: 'Rust', monaco: 'rust' },
  { id: 'sql', label: 'SQL', monaco: 'sql' },
  { id: 'typescript', label: 'TypeScript', monaco: 'typescript' },
];

const byId = new Map(LANGUAGES.map((l) => [l.id, l]));

export function languageLabel(id: string): string {
  return byId.get(id)?.label ?? id;
}

/** Monaco's id for a room language; anything unknown is plain text. */
export function monacoLanguage(id: string): string {
  return byId.get(id)?.monaco ?? 'plaintext';
}
