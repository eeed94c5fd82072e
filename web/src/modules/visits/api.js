// The visits capability's API (走访): record, list, due list, counts, frequencies, and a
// resident's own visits. Lists take {limit, cursor, ...filters} and answer {items, next_cursor}.
import { apiGet, apiSend, queryString, seg } from '@/api.js'

// {resident_id | household_id, visited_on: 'YYYY-MM-DD', kind: routine|care|follow_up, findings}
export const createVisit = (body) => apiSend('POST', '/visits', body)
// Params: grid, community, street, resident, household, worker, kind, from, to, limit, cursor.
export const listVisits = (params) => apiGet('/visits' + queryString(params))
export const getVisit = (id) => apiGet('/visits/' + seg(id))
// Params: state (due|overdue), grid, community, street, limit, cursor; also answers the
// totals {due, overdue, tracked, today}.
export const listDue = (params) => apiGet('/visits/due' + queryString(params))
// Params: by (grid|worker), from, to, grid, community, street.
export const visitCounts = (params) => apiGet('/visits/counts' + queryString(params))
export const listFrequencies = (scope) => apiGet('/visit-frequencies' + queryString({ scope }))
// intervalDays: 1..365, 0 (no regular visits), null (use the wider place's).
export const setFrequency = (tag, scope, intervalDays) =>
  apiSend('PUT', '/visit-frequencies/' + seg(tag), { scope, interval_days: intervalDays })
// The caller's own visits (a resident's record by account link).
export const listMyVisits = (params) => apiGet('/me/visits' + queryString(params))
