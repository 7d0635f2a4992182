/**
 * Launches Debian's Chromium (never a downloaded one) through playwright-core for the end-to-end tests, and
 * collects what a page does wrong: console errors (a Content-Security-Policy violation is one), failed
 * requests, and requests that leave the machine (the pages must not load anything from a CDN).
 */
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { CHROMIUM_PATH } from '../../../../test-support/services.js';

/** Site hostnames the browser resolves to 127.0.0.1, so the relying parties are other sites than the server. */
export const SITE_HOSTS = ['site-a.localhost', 'site-b.localhost'] as const;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      `--host-resolver-rules=${SITE_HOSTS.map((h) => `MAP ${h} 127.0.0.1`).join(',')}`,
    ],
    // The first start on a loaded 2-core machine can take a while.
    timeout: 60_000,
  });
}

/** Everything the pages in `context` did that they should not have: console errors and off-machine requests. */
export function watchProblems(context: BrowserContext): string[] {
  const problems: string[] = [];
  // Without the query: it can hold authorization codes, and the path says enough.
  const where = (url: string | undefined) => (url ? url.replace(/[?#].*$/, '') : 'no page');
  context.on('console', (msg) => {
    // A failed load is reported below, once, with its URL; every other console error is a problem.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error on ${where(msg.page()?.url())}: ${msg.text()}`);
    }
  });
  context.on('requestfailed', (req) => problems.push(`${req.failure()?.errorText} for ${where(req.url())}`));
  context.on('weberror', (err) => problems.push(`page error: ${err.error().message}`));
  context.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${where(res.url())}`);
  });
  context.on('request', (req) => {
    const host = new URL(req.url()).hostname;
    if (host !== '127.0.0.1' && !host.endsWith('.localhost'))
      problems.push(`request off the machine: ${where(req.url())}`);
  });
  return problems;
}
