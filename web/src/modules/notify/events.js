// The account's live events (GET /api/v1/events/stream, Server-Sent Events) and the
// inbox's unread count, shared by the header's bell and every page that wants to refresh
// when something concerning it arrives:
//
//   import { notices, onNotification } from '@/modules/notify/events.js'
//   notices.unread                        -> reactive count for the bell
//   const off = onNotification((n) => { if (n.object_type === 'case') reload() })
//   onUnmounted(off)
//
// One EventSource per tab, opened while someone is logged in (connect/disconnect are
// called by the bell, which the shell shows only then). The browser reconnects by itself
// with Last-Event-ID, and the server replays what was missed; each "hello" event carries
// the unread count, so the bell is right after every reconnect.
import { reactive } from 'vue'

export const notices = reactive({ unread: 0, connected: false })

const listeners = new Set()
let source = null

export function onNotification(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export function connect() {
  if (source || typeof EventSource === 'undefined') return
  source = new EventSource('/api/v1/events/stream', { withCredentials: true })
  source.addEventListener('open', () => {
    notices.connected = true
  })
  source.addEventListener('error', () => {
    notices.connected = false
  })
  source.addEventListener('hello', (e) => {
    try {
      notices.unread = JSON.parse(e.data).unread
    } catch {
      /* a malformed hello changes nothing */
    }
  })
  const seen = new Set()
  source.addEventListener('notification', (e) => {
    let n
    try {
      n = JSON.parse(e.data)
    } catch {
      return
    }
    // A replay after reconnecting may repeat one that was pushed as it committed.
    if (seen.has(n.id)) return
    seen.add(n.id)
    if (!n.read_at) notices.unread += 1
    for (const fn of listeners) fn(n)
  })
}

export function disconnect() {
  if (source) source.close()
  source = null
  notices.connected = false
  notices.unread = 0
}
