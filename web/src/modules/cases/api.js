// The cases capability's API (docs/CASES.md).
import { apiGet, apiSend, queryString, seg } from '@/api.js'

// Params: state, category, grid, community, street, organisation, assignee, overdue,
// from, to, mine, limit, cursor. {items, next_cursor}, newest first.
export const listCases = (params) => apiGet('/cases' + queryString(params))
// {by_state: [{state, label, count}], total, open, overdue} over the same scopes.
export const caseSummary = (params) => apiGet('/cases/summary' + queryString(params))
export const getCase = (id, reveal) => apiGet('/cases/' + seg(id) + queryString({ reveal }))
export const caseTimeline = (id) => apiGet('/cases/' + seg(id) + '/timeline')
// body: {action, note?, org?, user?, target?, satisfaction?, resolved?, extension?}
export const caseAction = (id, body) => apiSend('POST', '/cases/' + seg(id) + '/actions', body)
export const listCategories = () => apiGet('/case-categories')
