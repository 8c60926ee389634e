// Debian's Chromium driven by playwright-core, with the flags this machine needs (no sandbox as root, no background
// connections to Google's hosts, which the closed network refuses) and a new empty profile folder. Never downloads a browser.
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

/** A browser context on a fresh profile in profileDir (which must not exist yet or be empty). */
export function launchChromium(profileDir, viewport = { width: 1280, height: 900 }) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}
