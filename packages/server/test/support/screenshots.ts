/**
 * The README screenshots (docs/images/*.png) are written only when `UPDATE_SCREENSHOTS=1`: a normal test run
 * must not rewrite tracked files (font rendering differs between machines, so every run would leave a diff).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const DIR = fileURLToPath(new URL('../../../../docs/images/', import.meta.url));
export const updatingScreenshots = process.env.UPDATE_SCREENSHOTS === '1';

export const DESKTOP = { width: 960, height: 640 };
export const MOBILE = { width: 390, height: 720 };

/** Lays the page out at a phone width and returns how far it scrolls sideways (0 when it fits). */
export async function overflowAtMobileWidth(page: Page): Promise<number> {
  await page.setViewportSize(MOBILE);
  // A string, evaluated in the page: the test project is typed without the DOM library.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  await page.setViewportSize(DESKTOP);
  return overflow;
}

/** Saves `docs/images/<name>.png` at the desktop size and `<name>-mobile.png` at the phone size. */
export async function saveScreenshots(page: Page, name: string): Promise<void> {
  if (!updatingScreenshots) return;
  mkdirSync(DIR, { recursive: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: `${DIR}${name}.png`, animations: 'disabled', caret: 'hide' });
  await page.setViewportSize(MOBILE);
  await page.screenshot({ path: `${DIR}${name}-mobile.png`, animations: 'disabled', caret: 'hide' });
  await page.setViewportSize(DESKTOP);
}
