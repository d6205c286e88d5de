// Helpers for the browser tests: start a real plikd on 127.0.0.1 with a free port and a temp
// data dir serving webui/dist, launch Debian's chromium through playwright-core.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, existsSync, copyFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const webuiDir = resolve(here, '..', '..')
export const outDir = join(webuiDir, 'test-output')
mkdirSync(outDir, { recursive: true })

export const PLIKD = resolve(process.env.PLIKD || join(webuiDir, '..', 'build', 'plikd'))
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'

// plikd may be rebuilt while the tests run: each server runs from its own copy of the binary,
// and a failed start is retried a few times.
export async function startPlikd(extraToml = '') {
  let lastErr
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(extraToml)
    } catch (e) {
      lastErr = e
      await new Promise((r) => setTimeout(r, 3000))
    }
  }
  throw lastErr
}

async function startOnce(extraToml) {
  if (!existsSync(PLIKD)) throw new Error(`plikd not found at ${PLIKD} (set PLIKD=...)`)
  const dist = join(webuiDir, 'dist')
  if (!existsSync(join(dist, 'index.html'))) throw new Error('webui/dist missing: run npm run build first')
  const dir = mkdtempSync(join(tmpdir(), 'plik-webui-'))
  mkdirSync(join(dir, 'files'))
  const cfg = join(dir, 'plikd.cfg')
  writeFileSync(
    cfg,
    `Debug = true
LogLevel = "INFO"
ListenAddress = "127.0.0.1"
ListenPort = 0
NoWebInterface = false
WebappDirectory = "${dist}"
CleaningInterval = -1
Threads = 2
MaxTTL = 2592000
${extraToml}

DataBackend = "file"
[DataBackendConfig]
    Directory = "${join(dir, 'files')}"

[MetadataBackendConfig]
    Driver = "sqlite3"
    ConnectionString = "${join(dir, 'plik.db')}"
`,
  )
  const bin = join(dir, 'plikd')
  copyFileSync(PLIKD, bin)
  chmodSync(bin, 0o755)
  const proc = spawn(bin, ['--config', cfg], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  proc.on('error', () => {})
  let log = ''
  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('plikd did not start in 15s:\n' + log)), 15000)
    const onData = (d) => {
      log += d.toString()
      const m = /Starting http server at https?:\/\/[^\s]*:(\d+)/.exec(log)
      if (m) {
        clearTimeout(timer)
        res(Number(m[1]))
      }
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
    proc.on('exit', (code) => {
      clearTimeout(timer)
      rej(new Error(`plikd exited (${code}):\n${log}`))
    })
    proc.on('error', (e) => {
      clearTimeout(timer)
      rej(e)
    })
  }).catch((e) => {
    proc.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw e
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url + '/health')).ok) break
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    dir,
    log: () => log,
    async stop() {
      proc.kill('SIGKILL')
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  })
}

export async function shot(page, name) {
  await page.screenshot({ path: join(outDir, name + '.png'), fullPage: true })
}

export function randomBytes(n, seed = 1) {
  const b = Buffer.alloc(n)
  let x = seed * 2654435761 >>> 0
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    b[i] = x & 0xff
  }
  return b
}
