#!/usr/bin/env node
// CLI entry: the compiled TypeScript lives in dist/ (built by `npm install` / `npm run build`).
import { main } from '../dist/src/cli/main.js';

main(process.argv).catch((err) => {
  process.stderr.write(`bulwark: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
