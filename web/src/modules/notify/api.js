// The inbox's API (modules/notify on the server): the caller's own notifications only.
import { apiGet, apiSend, queryString } from '@/api.js'

// ?unread=1, limit, cursor -> {items, next_cursor, unread}
export const listNotifications = (params) => apiGet('/notifications' + queryString(params))
export const markRead = (ids) => apiSend('POST', '/notifications/read', { ids })
export const markAllRead = () => apiSend('POST', '/notifications/read', { all: true })
