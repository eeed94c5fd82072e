// A list read page by page with the API's cursor (`?limit=&cursor=` answered by
// {items, next_cursor}): search() reads the first page, loadMore() appends the next.
// When searches overlap the latest wins: a page that arrives after a newer search
// started is dropped, so the table never mixes two filters.
//
//   const { items, nextCursor, loading, loadingMore, error, search, loadMore } =
//     useCursorList((cursor) => listAudit({ ...params(), limit: 50, cursor }))
//
// fetchPage(cursor) is called with null for the first page. Options: keepOnError keeps
// the rows shown when the first page fails (default: the table empties); onFirstPage(r)
// runs after a first page has replaced the rows.
import { ref } from 'vue'
import { messageOf } from '../api.js'

export function useCursorList(fetchPage, { keepOnError = false, onFirstPage = null } = {}) {
  const items = ref([])
  const nextCursor = ref(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref('')
  let seq = 0

  async function search() {
    const mine = ++seq
    loading.value = true
    error.value = ''
    try {
      const r = await fetchPage(null)
      if (mine !== seq) return
      items.value = r.items || []
      nextCursor.value = r.next_cursor || null
      if (onFirstPage) onFirstPage(r)
    } catch (e) {
      if (mine === seq) {
        if (!keepOnError) {
          items.value = []
          nextCursor.value = null
        }
        error.value = messageOf(e)
      }
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  async function loadMore() {
    if (!nextCursor.value || loadingMore.value || loading.value) return
    const mine = seq
    loadingMore.value = true
    try {
      const r = await fetchPage(nextCursor.value)
      if (mine !== seq) return
      items.value = items.value.concat(r.items || [])
      nextCursor.value = r.next_cursor || null
    } catch (e) {
      error.value = messageOf(e)
    } finally {
      loadingMore.value = false
    }
  }

  // An item changed on this page (an answer of a write) replaces its old copy, or is
  // put first when the list did not hold it.
  function replaceItem(item, key = 'id') {
    const i = items.value.findIndex((x) => x[key] === item[key])
    if (i >= 0) items.value.splice(i, 1, item)
    else items.value.unshift(item)
  }

  return { items, nextCursor, loading, loadingMore, error, search, loadMore, replaceItem }
}
