// The org capability's API: organisations, the network of one node (a street,
// community or grid code), its figures, Party members.
import { apiGet, queryString, seg } from '@/api.js'

// {tree, count, truncated}: the vertical tree of organisations under node.
export const getOrganisationTree = (node) => apiGet('/organisations/tree' + queryString({ node }))
// {nodes, edges, categories, counts}: organisations and the edges between them.
export const getNetwork = (node) => apiGet('/network' + queryString({ node }))
export const getNetworkFigures = (node) => apiGet('/network/figures' + queryString({ node }))
// One organisation with members (职务) and contacts; phones masked by the server.
export const getOrganisation = (id) => apiGet('/organisations/' + seg(id))
// Params: community, grid, post_type, reported ('1' / '0'), limit, cursor.
export const listPartyMembers = (params) => apiGet('/party-members' + queryString(params))
// The staff serving the caller as a resident (网格员公示): {items: [{kind, kind_label,
// name, work_phone, place, position?, org_name?}], grid: {code, name, path} | null}.
export const getServing = () => apiGet('/me/serving')
// Params: type, space (a street, community or grid code), parent, limit, cursor.
export const listOrganisations = (params) => apiGet('/organisations' + queryString(params))
