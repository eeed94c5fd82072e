// The signed-in user, shared by the router guard, the header and the pages.
//
// The session itself is the HttpOnly cookie gz_session (never readable here, never
// put in localStorage). What the app keeps, in memory only: the answer of
// GET /api/v1/me (user, roles, scopes, permissions) and the CSRF token, which
// api.js sends as X-CSRF-Token on writes. A page load asks /me again.
import { reactive } from 'vue'
import { apiGet, apiSend, setCsrfToken } from './api.js'

export const session = reactive({
  loaded: false, // /me has answered (with a user or 401) since the page loaded
  user: null, // {id, username, display_name, roles: [{role, role_label, scope, scope_name, scope_path}]}
  scopes: [],
  permissions: {}, // {space: {read: [scopes], write: [...], admin: [...]}, account: ..., audit: ..., probe: ...}
  expiresAt: null,
  // An administrator reset the password: until it is changed the server answers every
  // route but /me, logout and /me/password with 403, and the router sends the user to
  // the password form (router.js).
  mustChangePassword: false,
})

let pending = null

function apply(me) {
  session.user = me && me.user ? me.user : null
  session.scopes = (me && me.scopes) || []
  session.permissions = (me && me.permissions) || {}
  session.expiresAt = (me && me.expires_at) || null
  session.mustChangePassword = !!(me && me.must_change_password)
  setCsrfToken(me && me.csrf_token)
  session.loaded = true
}

export function clearSession() {
  apply(null)
}

// GET /api/v1/me once per page load (or again with force). Resolves to the user or
// null when not signed in; rejects on other failures (network, 5xx).
export function loadSession(force = false) {
  if (session.loaded && !force) return Promise.resolve(session.user)
  if (!pending) {
    pending = apiGet('/me', { noAuthRedirect: true })
      .then((me) => {
        apply(me)
        return session.user
      })
      .catch((e) => {
        if (e && e.status === 401) {
          clearSession()
          return null
        }
        throw e
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

// POST /api/v1/session, then /me for the permissions. Throws ApiError on failure.
export async function login(username, password) {
  const s = await apiSend('POST', '/session', { username, password }, { noAuthRedirect: true })
  setCsrfToken(s && s.csrf_token)
  await loadSession(true)
  if (!session.user && s && s.user) session.user = s.user
  return session.user
}

// DELETE /api/v1/session; the local state is cleared whatever the answer.
export async function logout() {
  try {
    await apiSend('DELETE', '/session', undefined, { noAuthRedirect: true })
  } finally {
    clearSession()
  }
}

// Scopes where `action` on `resource` is allowed ([] when nowhere).
export function scopesFor(resource, action) {
  const r = session.permissions && session.permissions[resource]
  const list = r && r[action]
  return Array.isArray(list) ? list : []
}

// With scope: only when one of those scopes is exactly it ('' = the whole system).
export function can(resource, action, scope) {
  const list = scopesFor(resource, action)
  return scope === undefined ? list.length > 0 : list.includes(scope)
}

export function displayName(user = session.user) {
  if (!user) return ''
  return user.display_name || user.username || ''
}
