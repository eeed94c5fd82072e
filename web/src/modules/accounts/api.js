// The accounts capability's API: accounts, their grants, the audit log.
import { apiGet, apiSend, queryString, seg } from '@/api.js'

// Accounts inside the caller's account-admin scopes: {items, next_cursor}.
export const listUsers = ({ limit, cursor } = {}) => apiGet('/users' + queryString({ limit, cursor }))

// {username, password, display_name?, grants: [{role, scope}]} -> the account.
export const createUser = (body) => apiSend('POST', '/users', body)

// {role, scope} -> the account with its grants after the change.
export const grantRole = (id, grant) => apiSend('POST', `/users/${seg(id)}/grants`, grant)
export const revokeRole = (id, grant) => apiSend('DELETE', `/users/${seg(id)}/grants`, grant)

// Audit rows inside the caller's scopes, newest first. Params: action, user, from, to
// (RFC 3339), limit, cursor.
export const listAudit = (params) => apiGet('/audit' + queryString(params))
