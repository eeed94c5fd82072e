// Thin fetch wrapper for the gongzhi JSON API (SPEC §7).
//
//   apiGet('/status')                  -> GET /api/v1/status
//   apiSend('POST', '/cases', {...})   -> POST /api/v1/cases with a JSON body
//   apiSend('POST', '/residents/import', file, { contentType: 'text/csv' })
//                                      -> a File/Blob/ArrayBuffer body is sent as it is
//   apiDownload('/residents/export.xlsx?grid=…') -> saves the file the answer carries
//
// A path that already starts with /api/ (or /healthz) is used unchanged; any
// other path is taken as relative to /api/v1. Requests go to the same origin
// with the session cookie. On a non-2xx answer the error body
// {"error":{"code","message","fields"}} is parsed and an ApiError is thrown.
//
// Sessions use the HttpOnly cookie gz_session set by POST /api/v1/session; the
// token itself is never read or stored by the app. The CSRF token (from the login
// answer or GET /api/v1/me) is kept in memory only and sent on writes. A 401 on
// any request other than the login itself is passed to the handler set with
// setUnauthorizedHandler (the router sends the user back to /login).

export const API_BASE = '/api/v1'
const DEFAULT_TIMEOUT_MS = 15000

export class ApiError extends Error {
  constructor({ status = 0, code = 'unknown_error', message = '', fields = null, retryAfter = null, body = null } = {}) {
    super(message || code)
    this.name = 'ApiError'
    this.status = status // HTTP status; 0 when the request never got an answer
    this.code = code // snake_case code from the server, or a local one
    this.fields = fields || {} // per-field reasons for validation errors
    this.retryAfter = retryAfter // seconds from a Retry-After header (429), or null
    this.body = body // the whole parsed answer: some errors carry more next to "error" (an import's report)
  }
}

let csrfToken = null
let onUnauthorized = null

// Called with the ApiError of every 401 except a failed login (invalid_credentials).
export function setUnauthorizedHandler(fn) {
  onUnauthorized = typeof fn === 'function' ? fn : null
}

// Set the CSRF token sent as X-CSRF-Token on writes (cookie sessions, SPEC §7).
export function setCsrfToken(token) {
  csrfToken = token || null
}

export function apiUrl(path) {
  if (/^\/(api\/|healthz)/.test(path)) return path
  return API_BASE + (path.startsWith('/') ? path : '/' + path)
}

export async function apiSend(method, path, body, options = {}) {
  const m = String(method || 'GET').toUpperCase()
  const headers = { Accept: 'application/json', ...(options.headers || {}) }
  const init = { method: m, headers, credentials: 'same-origin' }
  if (body instanceof Blob || body instanceof ArrayBuffer) {
    // A file upload (an import): sent as it is, with its own type.
    headers['Content-Type'] = options.contentType || body.type || 'application/octet-stream'
    init.body = body
  } else if (body !== undefined && body !== null) {
    headers['Content-Type'] = 'application/json'
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
  }
  if (csrfToken && m !== 'GET' && m !== 'HEAD') headers['X-CSRF-Token'] = csrfToken

  const controller = new AbortController()
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  if (options.signal) {
    if (options.signal.aborted) controller.abort()
    else options.signal.addEventListener('abort', () => controller.abort(), { once: true })
  }
  init.signal = controller.signal

  let res
  try {
    res = await fetch(apiUrl(path), init)
  } catch (e) {
    const aborted = e && e.name === 'AbortError'
    throw new ApiError({
      status: 0,
      code: aborted ? 'timeout' : 'network_error',
      message: aborted ? '请求超时' : '网络错误（' + (e && e.message ? e.message : String(e)) + '）',
    })
  } finally {
    clearTimeout(timer)
  }

  const text = await res.text()
  let data = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }

  if (!res.ok) {
    const err = data && typeof data === 'object' && data.error ? data.error : {}
    const ra = Number.parseInt(res.headers.get('Retry-After') || '', 10)
    const error = new ApiError({
      status: res.status,
      code: err.code || 'http_' + res.status,
      message: err.message || 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : ''),
      fields: err.fields,
      retryAfter: Number.isFinite(ra) && ra >= 0 ? ra : null,
      body: data,
    })
    if (res.status === 401 && error.code !== 'invalid_credentials' && onUnauthorized && !options.noAuthRedirect) {
      try {
        onUnauthorized(error)
      } catch {
        /* the handler's failure must not hide the API error */
      }
    }
    throw error
  }
  if (text && data === null) {
    throw new ApiError({ status: res.status, code: 'bad_response', message: '服务器返回的不是 JSON' })
  }
  return data
}

export function apiGet(path, options) {
  return apiSend('GET', path, undefined, options)
}

// {grid: 'x', tag: '', cursor: null, limit: 50} -> '?grid=x&limit=50': the query of a list
// or export, empty values ('' / null / undefined) left out; '' when nothing is left.
export function queryString(params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params || {})) {
    if (v === '' || v === null || v === undefined) continue
    q.set(k, String(v))
  }
  const s = q.toString()
  return s ? '?' + s : ''
}

// Every page of a cursor list, `limit` rows a request, until the list ends or holds
// `max` rows: {items, more} (more: the list goes on beyond max). fetchPage({limit,
// cursor}) is a list function of a module's api.js, answering {items | features,
// next_cursor}.
export async function readPages(fetchPage, { max = 2000, limit = 200 } = {}) {
  const items = []
  let cursor = null
  let more = false
  do {
    const r = await fetchPage({ limit, cursor })
    items.push(...(r.features || r.items || []))
    cursor = r.next_cursor || null
    if (cursor && items.length >= max) {
      more = true
      break
    }
  } while (cursor)
  return { items, more }
}

// The text a page shows for a failed request (ApiError or anything thrown).
export function messageOf(e) {
  return (e && e.message) || String(e)
}

// Path segment: an id or code put into a URL.
export const seg = (v) => encodeURIComponent(String(v))

// GET a file (an .xlsx export or report) with the session cookie and save it under the
// name from Content-Disposition (or fallbackName). Errors come as ApiError like above.
export async function apiDownload(path, fallbackName = 'download', options = {}) {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 120000)
  let res
  try {
    res = await fetch(apiUrl(path), { credentials: 'same-origin', signal: controller.signal })
  } catch (e) {
    clearTimeout(timer)
    const aborted = e && e.name === 'AbortError'
    throw new ApiError({ status: 0, code: aborted ? 'timeout' : 'network_error', message: aborted ? '请求超时' : '网络错误' })
  }
  if (!res.ok) {
    clearTimeout(timer)
    let data = null
    try {
      data = await res.json()
    } catch {
      data = null
    }
    const err = data && data.error ? data.error : {}
    const error = new ApiError({
      status: res.status,
      code: err.code || 'http_' + res.status,
      message: err.message || 'HTTP ' + res.status,
      fields: err.fields,
      body: data,
    })
    if (res.status === 401 && onUnauthorized) onUnauthorized(error)
    throw error
  }
  const blob = await res.blob()
  clearTimeout(timer)
  const name = filenameOf(res.headers.get('Content-Disposition')) || fallbackName
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
  return { name, size: blob.size }
}

// attachment; filename="residents.xlsx"; filename*=UTF-8''%E5%B1%85… -> the name.
export function filenameOf(disposition) {
  if (!disposition) return ''
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition)
  return plain ? plain[1].trim() : ''
}
