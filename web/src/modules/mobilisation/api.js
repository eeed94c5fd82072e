// The mobilisation capability's API (src/modules/mobilisation/openapi.json).
import { apiGet, apiSend, queryString, seg } from '@/api.js'

// Activities: params place, kind, status, upcoming ('1'), limit, cursor.
export const listActivities = (params) => apiGet('/activities' + queryString(params))
export const getActivity = (id) => apiGet('/activities/' + seg(id))
export const createActivity = (body) => apiSend('POST', '/activities', body)
// Edit while open (returns the activity, with promoted: sign-ups that took new slots);
// cancel with a reason.
export const updateActivity = (id, body) => apiSend('PATCH', '/activities/' + seg(id), body)
export const cancelActivity = (id, reason) => apiSend('POST', '/activities/' + seg(id) + '/cancel', { reason })
// The organiser's rotating code {code, step_seconds, valid_until, window_open, ...}.
export const getActivityCode = (id) => apiGet('/activities/' + seg(id) + '/code')
export const signUp = (id) => apiSend('POST', '/activities/' + seg(id) + '/signups', {})
export const cancelSignup = (id) => apiSend('DELETE', '/activities/' + seg(id) + '/signups/me')
export const checkIn = (id, code) => apiSend('POST', '/activities/' + seg(id) + '/check-in', { code })
export const checkOut = (id, code) => apiSend('POST', '/activities/' + seg(id) + '/check-out', { code })
export const listSignups = (id, params) => apiGet('/activities/' + seg(id) + '/signups' + queryString(params))
// The organiser closes a missing check-out ({at?}: default the scheduled end).
export const closeCheckout = (id, signupId, body = {}) =>
  apiSend('POST', '/activities/' + seg(id) + '/signups/' + seg(signupId) + '/check-out', body)
export const confirmHours = (id, body = {}) => apiSend('POST', '/activities/' + seg(id) + '/confirm', body)

// Mine: sign-ups with their activities, service records, the summary, points.
export const myActivities = (params) => apiGet('/me/activities' + queryString(params))
export const myRecords = (params) => apiGet('/me/service-records' + queryString(params))
export const mySummary = () => apiGet('/me/service-summary')
export const myPoints = () => apiGet('/me/points')
export const myPointEntries = (params) => apiGet('/me/points/entries' + queryString(params))
export const myRedemptions = (params) => apiGet('/me/redemptions' + queryString(params))

// The charity store: items (community, all, limit, cursor), redemptions.
export const listItems = (params) => apiGet('/store/items' + queryString(params))
export const createItem = (body) => apiSend('POST', '/store/items', body)
export const redeem = (id, quantity = 1) => apiSend('POST', '/store/items/' + seg(id) + '/redeem', { quantity })
export const listRedemptions = (params) => apiGet('/store/redemptions' + queryString(params))
export const pickUp = (id) => apiSend('POST', '/store/redemptions/' + seg(id) + '/pick-up', {})
export const cancelRedemption = (id) => apiSend('POST', '/store/redemptions/' + seg(id) + '/cancel', {})

// The record certificate: issue (POST), read one, its PDF's URL (a plain link: the
// browser sends the session cookie).
export const issueCertificate = () => apiSend('POST', '/me/certificates', {})
export const getCertificate = (id) => apiGet('/me/certificates/' + seg(id))
export const certificatePdfUrl = (id) => '/api/v1/me/certificates/' + seg(id) + '/pdf'

// 党员积分: branches (in scope), a branch's rules, ranking and entries, a member's year
// (or mine), and the yearly 双报到 report (JSON, or .xlsx through apiDownload).
export const listPartyBranches = (params) => apiGet('/party-branches' + queryString(params))
export const getPartyRules = (id) => apiGet('/party-branches/' + seg(id) + '/point-rules')
export const setPartyRules = (id, body) => apiSend('PUT', '/party-branches/' + seg(id) + '/point-rules', body)
export const getPartyRanking = (id, year) => apiGet('/party-branches/' + seg(id) + '/ranking' + queryString({ year }))
export const addPartyEntry = (id, body) => apiSend('POST', '/party-branches/' + seg(id) + '/point-entries', body)
export const getMemberPoints = (id, year) => apiGet('/party-members/' + seg(id) + '/points' + queryString({ year }))
export const getMyPartyPoints = (year) => apiGet('/me/party-points' + queryString({ year }))
export const dualReportPath = (params) => '/party-points/dual-report' + queryString({ ...params, format: 'xlsx' })
