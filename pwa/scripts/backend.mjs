// Starts the real backend from a temporary SQLite database and media folder: migrate, seed the
// demo city, serve pwa/dist on a free port. Used by the browser tests and the budgets script.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const cli = join(repo, '.venv/bin/civicloop')

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))))
    })
  })
}

async function waitUntilUp(url, server, log) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${log()}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch (err) {
      void err // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`the server did not come up at ${url}:\n${log()}`)
}

/** @returns {Promise<{ baseUrl: string, stop: () => Promise<void> }>} */
export async function startBackend() {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`make venv\` first`)
  const dist = join(repo, 'pwa/dist')
  if (!existsSync(join(dist, 'index.html'))) throw new Error('pwa/dist is not built: run `npm run build` first')
  const dir = mkdtempSync(join(tmpdir(), 'civicloop-pwa-'))
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const env = {
    ...process.env,
    ENVIRONMENT: 'development',
    DATABASE_URL: `sqlite+aiosqlite:///${join(dir, 'civicloop.db')}`,
    MEDIA_DIR: join(dir, 'media'),
    PWA_DIST: dist,
    ALLOWED_ORIGINS: JSON.stringify([baseUrl]),
    LOG_LEVEL: 'WARNING',
  }
  for (const args of [['migrate'], ['seed-demo']]) {
    const r = spawnSync(cli, args, { cwd: repo, env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`civicloop ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  }
  let output = ''
  const server = spawn(cli, ['serve', '--host', '127.0.0.1', '--port', String(port)], { cwd: repo, env })
  server.stdout?.on('data', (b) => (output += b.toString()))
  server.stderr?.on('data', (b) => (output += b.toString()))
  await waitUntilUp(baseUrl, server, () => output.slice(-4000))
  return {
    baseUrl,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM')
        await new Promise((r) => server.once('exit', r))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
