// Starts the real backend for the browser tests (migrate, seed-demo, serve pwa/dist on a free
// port with a temporary SQLite database and media folder). Builds nothing itself: `make e2e`
// runs `npm run build` first.
import type { TestProject } from 'vitest/node'
import { repo, startBackend } from '../scripts/backend.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    repo: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backend = await startBackend()
  project.provide('baseUrl', backend.baseUrl)
  project.provide('repo', repo)
  return backend.stop
}
