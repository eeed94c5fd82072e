// The matching capability's API (供需对接): needs, offers, runs and proposals, projects.
// Lists take {limit, cursor, ...filters} and answer {items, next_cursor}.
import { apiGet, apiSend, queryString, seg } from '@/api.js'

// {resident_id?, kind?, skill, title, description?, lng?, lat?, window_start, window_end, est_minutes}
export const createNeed = (body) => apiSend('POST', '/needs', body)
export const listNeeds = (params) => apiGet('/needs' + queryString(params))
export const myNeeds = () => apiGet('/me/needs')
export const getNeed = (id) => apiGet('/needs/' + seg(id))
export const completeNeed = (id, minutes) => apiSend('POST', `/needs/${seg(id)}/complete`, { minutes })
export const rateNeed = (id, rating, comment) => apiSend('POST', `/needs/${seg(id)}/rate`, { rating, comment })
export const cancelNeed = (id) => apiSend('POST', `/needs/${seg(id)}/cancel`, {})

export const listOffers = (params) => apiGet('/offers' + queryString(params))
export const myOffers = () => apiGet('/me/offers')

export const runMatching = (communityCode) => apiSend('POST', '/matching/runs', { community_code: communityCode })
export const listRuns = (params) => apiGet('/matching/runs' + queryString(params))
export const getRun = (id) => apiGet('/matching/runs/' + seg(id))
export const myProposals = (status) => apiGet('/me/proposals' + queryString({ status }))
export const acceptProposal = (id) => apiSend('POST', `/proposals/${seg(id)}/accept`, {})
export const declineProposal = (id, reason) => apiSend('POST', `/proposals/${seg(id)}/decline`, { reason })

// The open needs the caller's offers can serve, and claiming one (抢单) with an offer.
export const myOpenNeeds = () => apiGet('/me/open-needs')
export const claimNeed = (id, offerId) => apiSend('POST', `/needs/${seg(id)}/claim`, { offer_id: offerId })

export const listProjects = (params) => apiGet('/projects' + queryString(params))
export const getProject = (id) => apiGet(`/projects/${seg(id)}`)

// Settings in force at scope ('' the whole system, a street, community or grid) and
// changing them: values {name: integer | null (back to the wider scope's)}.
export const getSettings = (scope) => apiGet('/matching/settings' + queryString({ scope: scope || undefined }))
export const putSettings = (scope, values) => apiSend('PUT', '/matching/settings', { scope, values })
