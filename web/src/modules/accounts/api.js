// The accounts capability's API: accounts, their grants, the audit log.
import { apiGet, apiSend, queryString, seg } from '@/api.js'

// Accounts inside the caller's account-admin scopes: {items, next_cursor}.
// q: any part of the username or display name (1..64 characters).
export const listUsers = ({ limit, cursor, q } = {}) => apiGet('/users' + queryString({ q, limit, cursor }))

// {username, password, display_name?, grants: [{role, scope}]} -> the account.
export const createUser = (body) => apiSend('POST', '/users', body)

// {role, scope} -> the account with its grants after the change.
export const grantRole = (id, grant) => apiSend('POST', `/users/${seg(id)}/grants`, grant)
export const revokeRole = (id, grant) => apiSend('DELETE', `/users/${seg(id)}/grants`, grant)

// Audit rows inside the caller's scopes, newest first. Params: action, user, from, to
// (RFC 3339), limit, cursor.
export const listAudit = (params) => apiGet('/audit' + queryString(params))

// {current_password, new_password} -> {must_change_password: false}; my other sessions end.
export const changeMyPassword = (body) => apiSend('POST', '/me/password', body)

// -> {user, one_time_password}: shown once, never again; the user's sessions end.
export const resetPassword = (id) => apiSend('POST', `/users/${seg(id)}/password-reset`)

// -> the account, with disabled true / false.
export const disableUser = (id) => apiSend('POST', `/users/${seg(id)}/disable`)
export const enableUser = (id) => apiSend('POST', `/users/${seg(id)}/enable`)
// {display_name?, work_phone?} ("" or null removes the work phone) -> the account.
export const updateUser = (id, body) => apiSend('PATCH', `/users/${seg(id)}`, body)
