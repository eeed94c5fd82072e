// The deliberation capability's API (docs/DELIBERATION.md).
import { apiDownload, apiGet, apiSend, queryString, seg } from '@/api.js'

// Params: stage, limit, cursor. {items, next_cursor}, oldest first.
export const listTopics = (params) => apiGet('/topics' + queryString(params))
// body: {scope_code, title, body} or {case_id, ...}
export const proposeTopic = (body) => apiSend('POST', '/topics', body)
// The topic with its stages, comments, meetings, votes, tasks and evaluation.
export const getTopic = (id) => apiGet('/topics/' + seg(id))
// body: {stage, note, publicity_days?, owner?}
export const moveTopic = (id, body) => apiSend('POST', '/topics/' + seg(id) + '/stage', body)
// body: {position, body} or {parent_id, body}
export const commentTopic = (id, body) => apiSend('POST', '/topics/' + seg(id) + '/comments', body)
// body: {held_at, place, minutes, participants: [{name, actor, organisation}]}
export const recordMeeting = (id, body) => apiSend('POST', '/topics/' + seg(id) + '/meetings', body)
// A file of a meeting (signed minutes as PDF, photos): the File itself, its type (PDF, JPEG,
// PNG, WebP) checked by the server; at most 10 MiB. The answer is the topic.
export const uploadMeetingFile = (id, meetingId, file) =>
  apiSend(
    'POST',
    '/topics/' + seg(id) + '/meetings/' + seg(meetingId) + '/attachments' +
      queryString({ name: file.name.replace(/["\\/\r\n\t]/g, '_').slice(0, 100) }),
    file,
    { contentType: file.type, timeoutMs: 120000 },
  )
// att: an item of meeting.attachments ({id, name, url, ...}).
export const downloadMeetingFile = (att) => apiDownload(att.url, att.name || 'attachment-' + att.id)
export const deleteMeetingFile = (att) => apiSend('DELETE', att.url)
export const addTask = (id, body) => apiSend('POST', '/topics/' + seg(id) + '/tasks', body)
export const updateTask = (id, taskId, body) =>
  apiSend('PATCH', '/topics/' + seg(id) + '/tasks/' + seg(taskId), body)
// body: {rating: satisfied | basic | dissatisfied, comment}
export const evaluateTopic = (id, body) => apiSend('PUT', '/topics/' + seg(id) + '/evaluation', body)
// body: {rule, electorate?, participation?, approval?, secret?}
export const openVote = (topicId, body) => apiSend('POST', '/topics/' + seg(topicId) + '/votes', body)
export const getVote = (id) => apiGet('/votes/' + seg(id))
export const castBallot = (id, choice) => apiSend('PUT', '/votes/' + seg(id) + '/ballot', { choice })
// body: {unit_id | resident_id, choice, proxy_document?}
export const paperBallot = (id, body) => apiSend('POST', '/votes/' + seg(id) + '/paper-ballots', body)
export const closeVote = (id) => apiSend('POST', '/votes/' + seg(id) + '/close')
export const recheckVote = (id) => apiGet('/votes/' + seg(id) + '/recheck')

// Participatory budget rounds (民生微实事).
export const listRounds = (params) => apiGet('/pb-rounds' + queryString(params))
// body: {scope_code, title, budget_fen, rule}
export const createRound = (body) => apiSend('POST', '/pb-rounds', body)
export const getRound = (id) => apiGet('/pb-rounds/' + seg(id))
export const proposeProject = (id, body) => apiSend('POST', '/pb-rounds/' + seg(id) + '/projects', body)
// body: {feasible, cost_fen?, note?}
export const reviewProject = (id, projectId, body) =>
  apiSend('PATCH', '/pb-rounds/' + seg(id) + '/projects/' + seg(projectId), body)
export const openRound = (id) => apiSend('POST', '/pb-rounds/' + seg(id) + '/open')
export const castApprovals = (id, projects) => apiSend('PUT', '/pb-rounds/' + seg(id) + '/ballot', { projects })
export const closeRound = (id) => apiSend('POST', '/pb-rounds/' + seg(id) + '/close')
// A pabulib .pb file replayed as a closed round. params: {scope_code, rule?, name?}; the
// answer is the round (docs/DELIBERATION.md, "Import"); at most 8 MiB.
export const importRound = (params, file) =>
  apiSend('POST', '/pb-rounds/import' + queryString(params), file, {
    contentType: 'application/octet-stream',
    timeoutMs: 120000,
  })
export const roundExportPath = (id) => '/pb-rounds/' + seg(id) + '/export.pb'
