// Re-creates dist/.keep after `vite build` empties dist/: the Go server embeds
// client/web/dist with go:embed, which needs the folder on a clean clone.
import { writeFileSync, mkdirSync } from 'node:fs';
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
writeFileSync(new URL('../dist/.keep', import.meta.url), '');
