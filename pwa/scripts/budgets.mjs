// The PWA's budgets, measured (npm run bench; `make bench` calls it through bench/bench_pwa.py):
//   1. initial JavaScript ≤ 160 KB gzip: the entry chunk and its static imports, from the build manifest;
//   2. a 12-megapixel photo compressed, hashed and stored in the outbox ≤ 600 ms in Chromium,
//      driving the real report screen (timed by the app's own User Timing measure);
//   3. Lighthouse (mobile) on the report screen, signed in, cold cache: performance ≥ 90,
//      accessibility ≥ 95.
// Needs a built pwa/dist and the Python venv (it starts the real backend). Writes its section of
// docs/benchmarks.md.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { repo, startBackend } from './backend.mjs'

const dist = join(repo, 'pwa/dist')
const DOC = join(repo, 'docs/benchmarks.md')
const SECTION = '## PWA budgets (pwa/scripts/budgets.mjs)'
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']
// cssKb is ours, not the issue's: the first screen's CSS blocks rendering, and Vant's icon font
// (≈ 28 KB gzip of CSS) must stay off it (it once slipped in with a header icon: FCP 0.8 → 1.9 s).
const BUDGET = { jsKb: 160, cssKb: 10, photoMs: 600, perf: 90, a11y: 95 }
const PHOTO_RUNS = 7
const LIGHTHOUSE_RUNS = 3 // Lighthouse's own advice: several runs, report the median

function kb(bytes) {
  return Math.round((bytes / 1024) * 10) / 10
}

// ---- 1. initial JavaScript ---------------------------------------------------------------------

function initialJs() {
  const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'))
  const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
  if (!entryKey) throw new Error('no entry in the build manifest')
  const seen = new Set()
  const css = new Set()
  const walk = (key) => {
    if (seen.has(key)) return
    seen.add(key)
    for (const c of manifest[key].css ?? []) css.add(c)
    for (const imp of manifest[key].imports ?? []) walk(imp)
  }
  walk(entryKey)
  const files = [...seen].map((k) => manifest[k].file)
  const size = (f) => {
    const buf = readFileSync(join(dist, f))
    return { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length }
  }
  const js = files.map((f) => ({ file: f, ...size(f) }))
  const styles = [...css].map((f) => ({ file: f, ...size(f) }))
  const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0)
  return { files: js, jsGzip: sum(js, 'gzip'), jsRaw: sum(js, 'raw'), cssGzip: sum(styles, 'gzip') }
}

// ---- 2. the photo pipeline in the page ------------------------------------------------------------

async function signIn(page) {
  await page.goto('/')
  await page.getByTestId('login-username').locator('input').fill('grid01')
  await page.getByTestId('login-password').locator('input').fill('Demo@2026')
  await page.getByTestId('login-submit').click()
  await page.getByTestId('submit-report').waitFor()
  await page.locator('.tile[data-code]').first().waitFor({ timeout: 30_000 })
}

/** A 4000×3000 JPEG with detail (noise and shapes), like a phone photo: a few MB. */
async function twelveMegapixel(page) {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas')
    c.width = 4000
    c.height = 3000
    const g = c.getContext('2d')
    const grad = g.createLinearGradient(0, 0, 4000, 3000)
    grad.addColorStop(0, '#5d7fa3')
    grad.addColorStop(1, '#a38a5d')
    g.fillStyle = grad
    g.fillRect(0, 0, 4000, 3000)
    let seed = 7
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    for (let i = 0; i < 4000; i++) {
      g.fillStyle = `hsl(${rnd() * 360}, ${30 + rnd() * 50}%, ${20 + rnd() * 60}%)`
      g.fillRect(rnd() * 4000, rnd() * 3000, 8 + rnd() * 160, 8 + rnd() * 160)
    }
    const noise = g.getImageData(0, 0, 4000, 3000)
    for (let i = 0; i < noise.data.length; i += 4) {
      const n = (rnd() - 0.5) * 40
      noise.data[i] += n
      noise.data[i + 1] += n
      noise.data[i + 2] += n
    }
    g.putImageData(noise, 0, 0)
    return c.toDataURL('image/jpeg', 0.92).split(',')[1]
  })
  return Buffer.from(b64, 'base64')
}

async function photoPipeline(browser, baseUrl) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' })
  const page = await context.newPage()
  await signIn(page)
  const jpeg = await twelveMegapixel(page)
  const times = []
  let outBytes = 0
  for (let i = 0; i < PHOTO_RUNS; i++) {
    // A different last byte each run: a new file, a new hash, a new stored photo.
    const file = Buffer.concat([jpeg, Buffer.from([i])])
    await page.evaluate(() => performance.clearMeasures('civicloop:photo'))
    const before = await page.locator('.photo-field figure[data-sha]').count()
    await page.getByTestId('photo-input').setInputFiles({ name: `big-${i}.jpg`, mimeType: 'image/jpeg', buffer: file })
    await page.locator('.photo-field figure[data-sha]').nth(before).waitFor()
    const ms = await page.evaluate(() => performance.getEntriesByName('civicloop:photo').at(-1)?.duration ?? NaN)
    const parts = await page.evaluate(() => ['compress', 'prepare'].map((n) => Math.round(performance.getEntriesByName(`civicloop:photo:${n}`).at(-1)?.duration ?? NaN)))
    if (process.env.VERBOSE) console.log(`run ${i}: ${ms.toFixed(0)} ms (compress ${parts[0]}, +hash ${parts[1]})`)
    times.push(ms)
    outBytes = await page.evaluate(async () => {
      const open = indexedDB.open('civicloop')
      const db = await new Promise((ok, fail) => { open.onsuccess = () => ok(open.result); open.onerror = () => fail(open.error) })
      const all = await new Promise((ok) => { const r = db.transaction('photos').objectStore('photos').getAll(); r.onsuccess = () => ok(r.result) })
      db.close()
      return all.at(-1)?.size ?? 0
    })
    // Remove it again, so the form never holds more than one photo.
    await page.locator('.photo-field figure[data-sha] .remove').first().click()
  }
  await context.close()
  const sorted = [...times].sort((a, b) => a - b)
  return { inputBytes: jpeg.length, outBytes, times, median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) }
}

// ---- 3. Lighthouse on the report screen ----------------------------------------------------------

async function lighthouse(baseUrl) {
  const profile = mkdtempSync(join(tmpdir(), 'civicloop-lh-'))
  const port = 9300 + Math.floor(Math.random() * 500)
  let chrome = null
  try {
    // Sign in once in this profile (the session lives in IndexedDB), then forget the service
    // worker and every cache so Lighthouse sees a cold load of the report screen.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, baseURL: baseUrl, args: ARGS, viewport: { width: 390, height: 844 }, locale: 'zh-CN',
    })
    const page = await context.newPage()
    await signIn(page)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Storage.clearDataForOrigin', { origin: baseUrl, storageTypes: 'service_workers,cache_storage' })
    await cdp.send('Network.clearBrowserCache')
    await context.close()
    // Lighthouse drives its own Chromium on that profile (no Playwright attached).
    chrome = spawn(CHROMIUM, [...ARGS, '--headless=new', `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, 'about:blank'],
      { stdio: 'ignore' })
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/json/version`)).ok) break
      } catch (err) {
        if (Date.now() > deadline) throw err
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    const out = join(profile, 'lh.json')
    const bin = join(repo, 'pwa/node_modules/.bin/lighthouse')
    execFileSync(bin, [`${baseUrl}/`, `--port=${port}`, '--disable-storage-reset', '--form-factor=mobile',
      '--only-categories=performance,accessibility,best-practices,seo', '--output=json', `--output-path=${out}`, '--quiet'],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
    const lhr = JSON.parse(readFileSync(out, 'utf8'))
    if (process.env.KEEP_LH) writeFileSync(process.env.KEEP_LH, JSON.stringify(lhr))
    const score = (c) => Math.round((lhr.categories[c]?.score ?? 0) * 100)
    const audit = (a) => lhr.audits[a]?.displayValue ?? ''
    return {
      finalUrl: lhr.finalDisplayedUrl ?? lhr.finalUrl,
      perf: score('performance'), a11y: score('accessibility'), bp: score('best-practices'), seo: score('seo'),
      fcp: audit('first-contentful-paint'), lcp: audit('largest-contentful-paint'), tbt: audit('total-blocking-time'), cls: audit('cumulative-layout-shift'),
      failedA11y: lhr.categories.accessibility.auditRefs.filter((r) => lhr.audits[r.id]?.score === 0).map((r) => r.id),
      version: lhr.lighthouseVersion,
    }
  } finally {
    if (chrome && chrome.exitCode === null) {
      chrome.kill('SIGTERM')
      await new Promise((r) => chrome.once('exit', r))
    }
    rmSync(profile, { recursive: true, force: true })
  }
}

// ---- report -------------------------------------------------------------------------------------

function machine() {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU'
  let chromiumVersion = ''
  try {
    chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch (err) {
    chromiumVersion = `unknown (${err.message})`
  }
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${chromiumVersion}`
}

function writeSection(text) {
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n'
  const start = doc.indexOf(SECTION)
  if (start === -1) doc = doc.replace(/\n*$/, '\n\n') + text
  else {
    const end = doc.indexOf('\n## ', start + SECTION.length)
    doc = doc.slice(0, start) + text + (end !== -1 ? doc.slice(end + 1) : '')
  }
  writeFileSync(DOC, doc.endsWith('\n') ? doc : doc + '\n')
}

const mark = (ok) => (ok ? '**met**' : '**MISSED**')

const only = process.argv[2] // "photo": just the photo pipeline, nothing written
if (only === 'lighthouse') {
  const backend = await startBackend()
  try {
    console.log(await lighthouse(backend.baseUrl))
  } finally {
    await backend.stop()
  }
  process.exit(0)
}
if (only === 'photo') {
  const backend = await startBackend()
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    const photo = await photoPipeline(browser, backend.baseUrl)
    await browser.close()
    console.log(`photo: median ${photo.median.toFixed(0)} ms, max ${photo.max.toFixed(0)} ms; in ${kb(photo.inputBytes)} KB, out ${kb(photo.outBytes)} KB`)
  } finally {
    await backend.stop()
  }
  process.exit(0)
}

const js = initialJs()
console.log(`initial JS: ${kb(js.jsGzip)} KB gzip (${js.files.length} files)`)
const backend = await startBackend()
let photo
let lh
try {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  try {
    photo = await photoPipeline(browser, backend.baseUrl)
  } finally {
    await browser.close()
  }
  console.log(`photo: median ${photo.median.toFixed(0)} ms, max ${photo.max.toFixed(0)} ms`, photo.times.map((t) => t.toFixed(0)).join(' '))
  const runs = []
  for (let i = 0; i < LIGHTHOUSE_RUNS; i++) {
    const r = await lighthouse(backend.baseUrl)
    console.log(`lighthouse run ${i + 1}: performance ${r.perf}, accessibility ${r.a11y} (${r.finalUrl})`)
    runs.push(r)
  }
  lh = [...runs].sort((a, b) => a.perf - b.perf)[Math.floor(runs.length / 2)]
  lh.allPerf = runs.map((r) => r.perf)
} finally {
  await backend.stop()
}

const now = new Date()
const okJs = kb(js.jsGzip) <= BUDGET.jsKb
const okCss = kb(js.cssGzip) <= BUDGET.cssKb
const okPhoto = photo.median <= BUDGET.photoMs
const okPerf = lh.perf >= BUDGET.perf
const okA11y = lh.a11y >= BUDGET.a11y
const text = `${SECTION}

Measured ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}; Lighthouse ${lh.version}.
The machine is shared with other work (load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end of the run), so timings vary from run to run; the photo budget is judged on the median.

| Budget | Target | Result | |
|---|---|---|---|
| initial JavaScript (entry + static imports, gzip -9) | ≤ ${BUDGET.jsKb} KB | ${kb(js.jsGzip)} KB (${kb(js.jsRaw)} KB raw, ${js.files.length} files) | ${mark(okJs)} |
| initial CSS (entry + static imports, gzip -9; our own budget) | ≤ ${BUDGET.cssKb} KB | ${kb(js.cssGzip)} KB | ${mark(okCss)} |
| 12 MP photo (4000×3000, ${kb(photo.inputBytes)} KB JPEG) → ≤ 1600 px JPEG 0.8 → SHA-256 → IndexedDB, in the page | ≤ ${BUDGET.photoMs} ms | median ${photo.median.toFixed(0)} ms of ${PHOTO_RUNS} runs (best ${photo.min.toFixed(0)}, worst ${photo.max.toFixed(0)}; output ${kb(photo.outBytes)} KB) | ${mark(okPhoto)} |
| Lighthouse mobile, report screen, signed in, cold cache: performance | ≥ ${BUDGET.perf} | ${lh.perf}, the median of ${LIGHTHOUSE_RUNS} runs (${lh.allPerf.join(', ')}); that run: FCP ${lh.fcp}, LCP ${lh.lcp}, TBT ${lh.tbt}, CLS ${lh.cls} | ${mark(okPerf)} |
| Lighthouse mobile: accessibility | ≥ ${BUDGET.a11y} | ${lh.a11y}${lh.failedA11y.length ? ` (failing: ${lh.failedA11y.join(', ')})` : ''} | ${mark(okA11y)} |
| Lighthouse mobile: best practices / SEO | — | ${lh.bp} / ${lh.seo} | |

How: the JavaScript figure walks \`dist/.vite/manifest.json\` from the entry through its static
\`imports\` (lazy routes, Leaflet and exifr are not in it). The photo figure is the app's own
\`performance.measure('civicloop:photo')\`, from the file input's change to the compressed photo
stored in IndexedDB (decode with EXIF orientation, canvas scale, JPEG encode, SHA-256, write; the
EXIF read runs alongside), driven by Playwright's \`setInputFiles\` on the real report screen.
Lighthouse connects to a Chromium that signed in as grid01 (the session lives in IndexedDB), after
the service worker and caches were cleared, with \`--disable-storage-reset\`; default mobile
throttling (simulated slow 4G, 4× CPU slowdown). Total blocking time, and with it the
performance score, moves with the machine's load: on this shared 2-core machine at load average
≈ 12 (other engineers' test runs) we saw photo medians of 450–900 ms and performance 72–85; the
table is one run at the load shown above. The first screen's CSS is inlined into index.html and a
static header paints before the JavaScript runs; the icon font, the category picker and the map
load only when needed.
Initial chunks: ${js.files.map((f) => `\`${f.file}\` ${kb(f.gzip)} KB`).join(', ')}.
`
writeSection(text)
console.log(`written to ${DOC}`)
if (!(okJs && okCss && okPhoto && okPerf && okA11y)) process.exitCode = 1
