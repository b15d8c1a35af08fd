// Draws the app icons: the SVGs in scripts/icons/ rendered to PNG by Chromium (npm run icons).
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const pub = resolve(here, '../public')
const jobs = [
  ['icon.svg', 192, 'icons/icon-192.png'],
  ['icon.svg', 512, 'icons/icon-512.png'],
  ['maskable.svg', 512, 'icons/maskable-512.png'],
  ['maskable.svg', 180, 'apple-touch-icon.png'],
]
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage()
for (const [svg, size, out] of jobs) {
  const src = readFileSync(resolve(here, 'icons', svg), 'utf8')
  await page.setViewportSize({ width: size, height: size })
  await page.setContent(`<html><body style="margin:0;background:transparent">${src.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`)
  await page.screenshot({ path: resolve(pub, out), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } })
  console.log('wrote', out)
}
await browser.close()
