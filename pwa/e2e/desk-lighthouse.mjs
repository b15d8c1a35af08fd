// Lighthouse accessibility of the dispatcher's triage queue, signed in.
// The session lives in IndexedDB, so: sign in once with Playwright in a persistent Chromium
// profile, close it, then run the Lighthouse CLI on that same profile with
// --disable-storage-reset (Lighthouse would otherwise wipe IndexedDB before loading the page).
//   node e2e/desk-lighthouse.mjs [baseUrl]   (without baseUrl: starts the real backend on pwa/dist)
import { execFileSync } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { startBackend } from '../scripts/backend.mjs'

async function sendReport(base, username, bytes, fields) {
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'Demo@2026' }) })
  const { access_token: token } = await login.json()
  const sha = createHash('sha256').update(bytes).digest('hex')
  const put = await fetch(`${base}/api/v1/media/${sha}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' }, body: bytes })
  if (!put.ok) throw new Error(`PUT media ${put.status}`)
  const res = await fetch(`${base}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ report_id: randomUUID(), captured_at: new Date().toISOString(), description: 'Lighthouse 测试', photos: [sha], ...fields }) })
  if (!res.ok) throw new Error(`POST report ${res.status} ${await res.text()}`)
}

const backend = process.argv[2] ? null : await startBackend()
const baseUrl = process.argv[2] ?? backend.baseUrl
const profile = mkdtempSync(join(tmpdir(), 'desk-lh-'))
const out = join(tmpdir(), `desk-lh-${Date.now()}.json`)
try {
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'], locale: 'zh-CN' })
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  await page.goto(`${baseUrl}/login`)
  await page.getByTestId('login-username').locator('input').fill('dispatcher')
  await page.getByTestId('login-password').locator('input').fill('Demo@2026')
  await page.getByTestId('login-submit').click()
  await page.waitForURL('**/desk/triage')
  await page.getByTestId('triage-queue').waitFor()
  // Something to triage: a volunteer's report (waits for 核实) and one outside every area (unrouted).
  const jpeg = await page.evaluate(() => {
    const c = document.createElement('canvas')
    c.width = 640
    c.height = 480
    const g = c.getContext('2d')
    g.fillStyle = `hsl(${Date.now() % 360}, 60%, 45%)`
    g.fillRect(0, 0, 640, 480)
    g.fillStyle = '#fff'
    g.fillText(String(Date.now()), 40, 240)
    return c.toDataURL('image/jpeg', 0.9).split(',')[1]
  })
  await sendReport(baseUrl, 'volunteer01', Buffer.from(jpeg, 'base64'), { category_code: '07001', lat: 32.041, lon: 118.781 })
  await sendReport(baseUrl, 'grid01', Buffer.from(jpeg, 'base64'), { category_code: '06010', lat: 32.039, lon: 118.777 })
  await page.reload()
  await page.locator('[data-testid="triage-queue"] [data-ticket]').first().waitFor()
  await ctx.close()
  const flags = `--headless=new --no-sandbox --disable-gpu --user-data-dir=${profile}`
  let worst = 100
  for (const preset of ['mobile', 'desktop']) {
    execFileSync('npx', ['lighthouse', `${baseUrl}/desk/triage`, '--only-categories=accessibility', '--disable-storage-reset',
      ...(preset === 'desktop' ? ['--preset=desktop'] : []), `--chrome-flags=${flags}`, '--output=json', `--output-path=${out}`, '--quiet'],
    { stdio: 'inherit' })
    const lhr = JSON.parse(readFileSync(out, 'utf8'))
    const score = Math.round(lhr.categories.accessibility.score * 100)
    worst = Math.min(worst, score)
    console.log(`${preset}: final URL ${lhr.finalDisplayedUrl} — accessibility ${score}`)
    for (const a of Object.values(lhr.audits)) {
      if (a.score !== null && a.score < 1 && !['notApplicable', 'informative', 'manual'].includes(a.scoreDisplayMode)) console.log(`  failed: ${a.id} — ${a.title}`)
    }
    // The page Lighthouse saw (the client-side router would have gone to /login if signed out).
    const shot = lhr.fullPageScreenshot?.screenshot?.data
    mkdirSync(join(process.cwd(), 'test-results/screenshots'), { recursive: true })
    if (shot) writeFileSync(join(process.cwd(), `test-results/screenshots/lighthouse-triage-${preset}.jpg`), Buffer.from(shot.split(',')[1], 'base64'))
    if (!lhr.finalDisplayedUrl.includes('/desk/triage')) throw new Error('Lighthouse did not see the signed-in triage page')
  }
  if (worst < 95) process.exitCode = 1
} finally {
  rmSync(profile, { recursive: true, force: true })
  await backend?.stop()
}
