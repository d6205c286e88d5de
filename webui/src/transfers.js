// In-page upload queue shared by the upload form and the upload page: per-file progress, rate,
// cancel. Files go straight from the File object to XMLHttpRequest (never read in memory).
import { reactive } from 'vue'
import { sendFile, filePath, apiBase, uploadHeaders } from './api.js'

export const transfers = reactive({}) // uploadId -> [transfer]
const CONCURRENCY = 3
const STALL_MS = 1500
let seq = 0

export function transfersOf(uploadId) {
  return transfers[uploadId] || []
}

export function activeCount() {
  let n = 0
  for (const list of Object.values(transfers))
    for (const tr of list) if (tr.state === 'queued' || tr.state === 'sending' || tr.state === 'waiting') n++
  return n
}

// items: [{ file: File|Blob, name, fileId? }]. With fileId the data goes to the declared file
// (POST /file|stream/{u}/{f}/{name}); without, a new file is added (POST /file/{u}).
// onDone(transfer, fileJson) is called after each success.
export function startTransfers(upload, items, onDone) {
  const list = transfers[upload.id] || (transfers[upload.id] = [])
  const created = items.map((it) =>
    reactive({
      key: ++seq,
      uploadId: upload.id,
      fileId: it.fileId || '',
      name: it.name,
      size: it.file.size,
      file: it.file,
      stream: !!upload.stream,
      loaded: 0,
      rate: 0,
      state: 'queued',
      error: '',
      lastProgress: 0,
      abort: null,
    }),
  )
  list.push(...created)
  const queue = [...created]
  const limit = upload.stream ? Infinity : CONCURRENCY
  let running = 0
  const pump = () => {
    while (running < limit && queue.length) {
      const tr = queue.shift()
      if (tr.state !== 'queued') continue
      running++
      run(tr, onDone).finally(() => {
        running--
        pump()
      })
    }
  }
  pump()
  return created
}

function run(tr, onDone) {
  const kind = tr.stream ? 'stream' : 'file'
  const path = tr.fileId
    ? filePath(kind, tr.uploadId, { id: tr.fileId, fileName: tr.name })
    : `/file/${encodeURIComponent(tr.uploadId)}`
  const started = performance.now()
  let lastT = started
  let lastLoaded = 0
  tr.state = tr.stream ? 'waiting' : 'sending'
  tr.lastProgress = started
  const timer = tr.stream
    ? setInterval(() => {
        if (tr.state === 'sending' && performance.now() - tr.lastProgress > STALL_MS) tr.state = 'waiting'
      }, 500)
    : null
  const { promise, abort } = sendFile(path, tr.uploadId, tr.file, tr.name, (loaded) => {
    const now = performance.now()
    const dt = (now - lastT) / 1000
    if (dt > 0.2) {
      const inst = (loaded - lastLoaded) / dt
      tr.rate = tr.rate ? tr.rate * 0.6 + inst * 0.4 : inst
      lastT = now
      lastLoaded = loaded
    }
    if (loaded > tr.loaded) {
      tr.lastProgress = now
      if (tr.state === 'waiting') tr.state = 'sending'
    }
    tr.loaded = loaded
  })
  tr.abort = abort
  return promise
    .then((json) => {
      tr.loaded = tr.size
      tr.state = 'done'
      if (json && json.id) tr.fileId = json.id
      const secs = (performance.now() - started) / 1000
      if (secs > 0) tr.rate = tr.size / secs
      if (onDone) onDone(tr, json)
    })
    .catch((e) => {
      if (tr.state === 'cancelled') return
      tr.state = e.status === -1 ? 'cancelled' : 'error'
      tr.error = e.message
    })
    .finally(() => {
      if (timer) clearInterval(timer)
      tr.abort = null
    })
}

export function cancelTransfer(tr) {
  if (tr.state === 'done' || tr.state === 'error' || tr.state === 'cancelled') return
  const wasRunning = !!tr.abort
  tr.state = 'cancelled'
  if (tr.abort) tr.abort()
  // A blocked stream is released on the server side too (DELETE /stream, Plik 1.4 semantics).
  if (wasRunning && tr.stream && tr.fileId) releaseStream(tr, false)
}

function releaseStream(tr, keepalive) {
  try {
    fetch(apiBase() + filePath('stream', tr.uploadId, { id: tr.fileId, fileName: tr.name }), {
      method: 'DELETE',
      headers: uploadHeaders(tr.uploadId),
      keepalive,
    }).catch(() => {})
  } catch {
    /* ignore */
  }
}

export function cancelAll(uploadId) {
  for (const tr of transfersOf(uploadId)) cancelTransfer(tr)
}

// Closing the tab cancels cleanly: abort requests and release blocked streams.
if (typeof window !== 'undefined') {
  window.addEventListener('beforeunload', (e) => {
    if (activeCount() > 0) {
      e.preventDefault()
      e.returnValue = ''
    }
  })
  window.addEventListener('pagehide', () => {
    for (const list of Object.values(transfers))
      for (const tr of list) {
        if (tr.abort) {
          const stream = tr.stream && tr.fileId
          tr.state = 'cancelled'
          tr.abort()
          if (stream) releaseStream(tr, true)
        }
      }
  })
}
