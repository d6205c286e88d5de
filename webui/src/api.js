// Thin client for the Plik JSON API (spec §7). Everything is relative to the page's base so that
// plikd's `Path` prefix works; errors are plain text (spec §2.5) turned into ApiError.

export class ApiError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

// Base URL of the API = the page URL without its hash, file name and query ("http://h/prefix").
export function apiBase(loc = window.location) {
  let path = loc.pathname.replace(/[^/]*$/, '')
  path = path.replace(/\/$/, '')
  return loc.origin + path
}

// Password credentials entered in the page, per upload id (kept for this tab only).
const credentials = new Map()
export function setCredentials(uploadId, login, password) {
  credentials.set(uploadId, 'Basic ' + b64(`${login}:${password}`))
}
// Gives the browser the credentials of the "plik" Basic realm (XMLHttpRequest user/password), so
// that plain download links of a protected upload work without the browser's own prompt.
export function primeBasicAuth(uploadId, login, password) {
  try {
    const xhr = new XMLHttpRequest()
    xhr.open('GET', `${apiBase()}/upload/${encodeURIComponent(uploadId)}`, true, login, password)
    xhr.send()
  } catch {
    /* the browser prompt remains as a fallback */
  }
}
export function getAuthHeader(uploadId) {
  return credentials.get(uploadId)
}
function b64(s) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)))
}

// Upload tokens (upload admin rights) are kept in localStorage, keyed by upload id.
const TOKEN_KEY = 'plik-upload-tokens'
function readTokens() {
  try {
    return JSON.parse(localStorage.getItem(TOKEN_KEY) || '{}') || {}
  } catch {
    return {}
  }
}
export function getUploadToken(id) {
  return readTokens()[id] || ''
}
export function saveUploadToken(id, token) {
  if (!id || !token) return
  const all = readTokens()
  all[id] = token
  try {
    localStorage.setItem(TOKEN_KEY, JSON.stringify(all))
  } catch {
    /* private mode: admin rights last for this page only */
  }
}
export function forgetUploadToken(id) {
  const all = readTokens()
  delete all[id]
  try {
    localStorage.setItem(TOKEN_KEY, JSON.stringify(all))
  } catch {
    /* ignore */
  }
}

function xsrfHeader() {
  const m = /(?:^|;\s*)plik-xsrf=([^;]+)/.exec(document.cookie || '')
  return m ? { 'X-XSRFToken': decodeURIComponent(m[1]) } : {}
}

export function uploadHeaders(uploadId) {
  const h = { 'X-ClientApp': 'web_client', ...xsrfHeader() }
  const token = uploadId && getUploadToken(uploadId)
  if (token) h['X-UploadToken'] = token
  const auth = uploadId && getAuthHeader(uploadId)
  if (auth) h.Authorization = auth
  return h
}

async function errorFrom(res) {
  let text = ''
  try {
    text = (await res.text()).trim()
  } catch {
    /* ignore */
  }
  try {
    const j = JSON.parse(text)
    if (j && typeof j.message === 'string') text = j.message
  } catch {
    /* plain text, the normal case */
  }
  return new ApiError(res.status, text || res.statusText || `HTTP ${res.status}`)
}

export async function request(method, path, { body, uploadId, json = true } = {}) {
  const headers = uploadHeaders(uploadId)
  // Without a session, credentials are omitted: a 401 from a password-protected upload then
  // comes back to the page (our own password form) instead of opening the browser's prompt.
  const session = /(?:^|;\s*)plik-xsrf=/.test(document.cookie || '')
  const init = { method, headers, credentials: session ? 'same-origin' : 'omit' }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(apiBase() + path, init)
  } catch (e) {
    throw new ApiError(0, e && e.message ? e.message : 'network error')
  }
  if (!res.ok) throw await errorFrom(res)
  if (!json) return res.text()
  const text = await res.text()
  return text ? JSON.parse(text) : null
}

export const getConfig = () => request('GET', '/config')
export const getUpload = (id) => request('GET', `/upload/${encodeURIComponent(id)}`, { uploadId: id })
export const createUpload = (params) => request('POST', '/upload', { body: params })
export const deleteUpload = (id) => request('DELETE', `/upload/${encodeURIComponent(id)}`, { uploadId: id, json: false })
export const deleteFile = (id, file) =>
  request('DELETE', filePath('file', id, file), { uploadId: id, json: false })
export const cancelStream = (id, file) =>
  request('DELETE', filePath('stream', id, file), { uploadId: id, json: false })

export function filePath(kind, uploadId, file) {
  return `/${kind}/${encodeURIComponent(uploadId)}/${encodeURIComponent(file.id)}/${encodeURIComponent(file.fileName)}`
}

// Download base: the configured DownloadDomain if any, else the API base.
export function downloadBase(config) {
  const d = config && config.downloadDomain
  return d ? d.replace(/\/$/, '') : apiBase()
}

export function fileUrl(config, upload, file) {
  return downloadBase(config) + filePath(upload.stream ? 'stream' : 'file', upload.id, file)
}

export function archiveUrl(config, upload, name = 'archive.zip') {
  return `${downloadBase(config)}/archive/${encodeURIComponent(upload.id)}/${encodeURIComponent(name)}`
}

export function qrUrl(url, size = 200) {
  return `${apiBase()}/qrcode?url=${encodeURIComponent(url)}&size=${size}`
}

export function uploadPageUrl(id) {
  const loc = window.location
  return loc.origin + loc.pathname + '#/?id=' + encodeURIComponent(id)
}

// Sends one File object as multipart/form-data (part "file") with XMLHttpRequest so that the
// browser streams it from disk and reports upload progress. Returns { promise, abort }.
// onProgress(loaded, total) is called on upload progress events.
export function sendFile(path, uploadId, file, fileName, onProgress) {
  const xhr = new XMLHttpRequest()
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', apiBase() + path)
    const h = uploadHeaders(uploadId)
    for (const [k, v] of Object.entries(h)) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => onProgress && onProgress(e.loaded, e.lengthComputable ? e.total : file.size)
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText))
        } catch {
          resolve(null)
        }
      } else {
        reject(new ApiError(xhr.status, (xhr.responseText || '').trim() || `HTTP ${xhr.status}`))
      }
    }
    xhr.onerror = () => reject(new ApiError(0, 'network error'))
    xhr.onabort = () => reject(new ApiError(-1, 'cancelled'))
    const form = new FormData()
    form.append('file', file, fileName)
    xhr.send(form)
  })
  return { promise, abort: () => xhr.abort() }
}
