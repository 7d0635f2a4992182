#!/usr/bin/env node
import { buildApp } from './web/router.js';

async function serve(): Promise<void> {
  const app = await buildApp({ logger: true });
  await app.listen({ host: '127.0.0.1', port: 1314 });
}

const [command = 'serve'] = process.argv.slice(2);
if (command === 'serve') {
  await serve();
} else {
  process.stderr.write(`unknown command: ${command}\n`);
  process.exit(2);
}
